#pragma once
// Helpers for tests about adapters: random adapters of a given layout, ΔW comparison.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"

namespace lorastudio::test {

struct ModuleSpec {
  std::string path;
  int64_t out = 8, in = 8, rank = 2;
  double alpha = 4;
  std::vector<int64_t> kernel = {};  // conv LoRA: A is [rank, in·k…] with this kernel; empty for linear
};

LoraAdapter random_adapter(const std::vector<ModuleSpec>& specs, uint64_t seed, bool dora = false);

// ΔW = scale·B·A computed here independently of core/math (float32 by default).
torch::Tensor reference_delta(const LoraAdapter& adapter, const LoraModule& m, torch::ScalarType dtype = torch::kFloat);

// max over modules of max|ΔW_a − ΔW_b|; modules are matched by path (and component when `match_component`).
// Returns +inf when the module sets differ.
double max_delta_difference(const LoraAdapter& a, const LoraAdapter& b, bool match_component = false);

}  // namespace lorastudio::test
