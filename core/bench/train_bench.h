#pragma once
// The training benchmark: both stages of generator training (parameter autoencoder, then latent diffusion)
// on a zoo of random adapters, reporting steps per second per stage and the seconds per 1,000 steps. The
// default scale is a studio-sized CPU run (8 modules of 768×768 at rank 4: 49,152 parameters per adapter,
// 4 tasks × 16 checkpoints, batch 32); speed does not depend on the values, quality is the synthetic test's.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct TrainBenchOptions {
  std::string device = "cpu";
  int64_t steps = 60;        // per stage
  int64_t batch = 32;
  int64_t modules = 8;       // LoRA modules of 768×768, rank 4
  bool bf16 = true;          // autocast on CUDA
  std::function<void(const std::string&)> progress;
};

nlohmann::json run_train_bench(const TrainBenchOptions& options);

}  // namespace lorastudio
