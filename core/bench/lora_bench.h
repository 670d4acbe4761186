#pragma once
// The LoRA merge benchmark on PixArt-α-XL-sized attention weights: 28 transformer blocks × 8 matrices
// (attn1/attn2 to_q, to_k, to_v, to_out.0), each 1152×1152, i.e. 224 matrices.
//
// Operations: merge (W += s·B·A on all 224), unmerge, interpolation-merge (interpolate(a, b, ½), rank r₁+r₂,
// merged), ΔW materialisation of that interpolation. Methods: "loop" (the library's per-matrix
// merge_into / unmerge_from / delta_weight: addmm_ with float32 accumulation), "batched" (one baddbmm_/bmm on
// the stacked [224, 1152, 1152] tensor, in the weights' dtype) and "grouped" (the grouped CUDA kernel, CUDA
// builds on a GPU only). Each result carries the median time, the bytes an ideal implementation moves
// (W read + written, plus the float32 factors), GB/s, the ratio to a bandwidth floor measured in the same run
// (a large device copy_), and a correctness check against float64 on the first and last matrix.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct LoraBenchOptions {
  std::string device = "cpu";    // "cpu" or "cuda" (or "cuda:N")
  int64_t rank = 4;              // rank of each adapter (the interpolation has rank 2·rank)
  int repeats = 0;               // timed repeats per measurement; 0: the device's default (cpu 2, cuda 20)
  int warmup = -1;               // untimed runs first; -1: the device's default (cpu 0, cuda 3). The first
                                 // timed run is also the correctness check.
  int64_t blocks = 28;           // PixArt-α XL/2
  int64_t hidden = 1152;
  bool also_rank1 = true;        // also time merge/unmerge at rank 1 (Cond P-Diff's real LoRAs are r=1)
  std::vector<std::string> dtypes = {"float32", "bfloat16"};  // "float32", "bfloat16", "float16"
  double issue_floor_ms = 0.4;   // the issue's stated floor: attention-only bf16 merge on an H100
  std::function<void(const std::string&)> progress;  // optional progress lines
};

// Runs the benchmark; throws Error for a bad option (unknown device or dtype, no CUDA device).
nlohmann::json run_lora_bench(const LoraBenchOptions& options);

}  // namespace lorastudio
