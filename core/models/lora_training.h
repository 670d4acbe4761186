#pragma once
// Training LoRA branches on the AdaptableLinear layers of any model here (PEFT's LoraModel while it trains):
// find the layers named like the targets, attach fresh branches (A from PEFT's kaiming-uniform, B zero), snapshot
// them as a LoraAdapter after a step, and put the model back as it was when training ends, fails or is cancelled.
//
//   auto layers = models::lora_target_layers(*model, {"query", "value"}, {"classifier"});
//   models::LoraTrainingGuard guard(*model, layers);                      // restores the model on scope exit
//   auto params = models::attach_lora_branches(layers, rank, alpha, init_seed);
//   … optimise params …
//   LoraAdapter a = models::snapshot_lora(layers, alpha);
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/lora/lora_adapter.h"
#include "core/models/adaptable_linear.h"

namespace lorastudio::models {

struct LoraTarget {
  std::string path;  // the registered module path ("bert.encoder.layer.0.attention.self.query")
  AdaptableLinear layer{nullptr};
};

// The layers whose last path component is one of `targets`, outside the modules `excluded` (path prefixes).
// Error when there are none.
std::vector<LoraTarget> lora_target_layers(torch::nn::Module& model, const std::vector<std::string>& targets,
                                           const std::vector<std::string>& excluded = {});

// One trainable branch per layer, A ~ U(±1/√in) drawn from `init_seed` in layer order, B = 0, scale alpha / rank.
// Returns A₀, B₀, A₁, B₁, … (requires_grad).
std::vector<torch::Tensor> attach_lora_branches(std::vector<LoraTarget>& layers, int64_t rank, double alpha,
                                                uint64_t init_seed);

// The layers' first branches as a PEFT adapter (float32 CPU copies).
LoraAdapter snapshot_lora(const std::vector<LoraTarget>& layers, double alpha, const std::vector<std::string>& targets,
                          const std::string& task_type);

// Saves every parameter (value and requires_grad) on construction; on destruction drops the layers' branches,
// restores the parameters bit for bit and leaves the model in evaluation mode.
class LoraTrainingGuard {
 public:
  LoraTrainingGuard(torch::nn::Module& model, std::vector<LoraTarget>& layers);
  ~LoraTrainingGuard();
  LoraTrainingGuard(const LoraTrainingGuard&) = delete;
  LoraTrainingGuard& operator=(const LoraTrainingGuard&) = delete;

 private:
  struct Saved {
    torch::Tensor tensor, copy;
    bool requires_grad;
  };
  torch::nn::Module& model_;
  std::vector<LoraTarget>& layers_;
  std::vector<Saved> saved_;
};

// Batch sampling: the next `count` row indices of an endlessly reshuffled order of 0…size-1.
class EpochSampler {
 public:
  EpochSampler(int64_t size, uint64_t seed);
  std::vector<int64_t> next(int64_t count);

 private:
  std::vector<int64_t> order_;
  size_t cursor_;
  std::mt19937_64 rng_;
};

}  // namespace lorastudio::models
