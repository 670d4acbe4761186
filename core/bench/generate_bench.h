#pragma once
// The generation benchmark at Cond P-Diff's PixArt style-LoRA scale: adapters of 516,096 parameters
// (224 modules of rank 1 on 1152×1152 attention weights) through a 256-d latent (4 × 64). Times the
// generation of N adapters end to end — condition encoding, the sampling loop, decoding to parameters,
// denormalisation and unflattening into adapters on the host — for few-step solvers next to 1000-step
// DDPM in the same run. Weights are random (speed does not depend on them); quality is checked by the
// synthetic-zoo test.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct GenerateBenchOptions {
  std::string device = "cpu";
  int64_t count = 20;
  std::vector<std::string> samplers = {"ddim:25", "dpmpp:25", "dpmpp:10", "ddpm:1000"};  // name:steps
  int repeats = 0;          // 0: cpu 1, cuda 10
  bool bf16 = true;         // autocast on CUDA
  bool cuda_graphs = true;  // replay the denoiser as a CUDA graph
  double guidance = 1.0;
  std::string denoiser = "unet";
  std::string save_generator;  // also save the benchmark's generator bundle here (for timing the CLI on it)
  std::function<void(const std::string&)> progress;
};

nlohmann::json run_generate_bench(const GenerateBenchOptions& options);

}  // namespace lorastudio
