#pragma once
// The synthetic workload of the LoRA merge benchmark: PixArt-α XL attention LoRAs and base weights, and the
// ways of merging them that the benchmark compares.
#include <cstdint>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

constexpr int64_t kAttentionMatricesPerBlock = 8;  // attn1/attn2 × to_q, to_k, to_v, to_out.0

struct BenchWorkload {
  int64_t blocks = 28, hidden = 1152;
  torch::Device device = torch::kCPU;
  int64_t matrices() const { return blocks * kAttentionMatricesPerBlock; }
};

// A random adapter on every attention matrix (float32 factors on the device, alpha 8 like Cond P-Diff's LoRAs).
LoraAdapter random_adapter(const BenchWorkload& work, int64_t rank, uint64_t seed);

// All weights in one [G, out, in] tensor; `views` are its matrices (so every method works on the same memory).
struct StackedWeights {
  torch::Tensor all;
  std::vector<torch::Tensor> views;
};
StackedWeights random_weights(const BenchWorkload& work, torch::ScalarType dtype);

enum class Method {
  Loop,       // the library: merge_into / unmerge_from / delta_weight per matrix
  LoopAddmm,  // addmm_ per matrix in float32 (through a float32 copy of bf16/fp16 weights)
  Batched,    // one baddbmm_ / bmm on the stacked weights, in their dtype
  Grouped,    // grouped_merge_: one launch of the grouped CUDA kernel
};
const char* method_name(Method m);

// Stacked factors [G, out, r]·s and [G, r, in] in `dtype` (the batched method).
std::pair<torch::Tensor, torch::Tensor> stacked_factors(const LoraAdapter& a, torch::ScalarType dtype);

// W += sign·ΔW(a) on every matrix, by `method`.
void apply(Method method, StackedWeights& w, const LoraAdapter& a, double sign);

// ΔW of every module in `dtype` (Loop: one tensor per module; Batched: one [G, out, in] tensor).
std::vector<torch::Tensor> materialise(Method method, const LoraAdapter& a, torch::ScalarType dtype);

}  // namespace lorastudio
