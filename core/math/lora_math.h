#pragma once
// Exact LoRA arithmetic on one module: ΔW, merge into and unmerge from a base weight, scaling.
// ΔW = scale · B·A with scale = alpha/r (rsLoRA: alpha/sqrt(r)). Works on CPU and CUDA tensors
// (the computation runs where the weight lives).
#include <torch/types.h>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

// scale·B·A as [out, in] ([out, in·k…] for a conv module: reshape to [out, in, k…] for the conv weight) (computed in float32, or float64 when `dtype` is kDouble), on A's device.
torch::Tensor delta_weight(const LoraAdapter& adapter, const LoraModule& m, torch::ScalarType dtype = torch::kFloat);

// What merge_into needs to undo itself exactly for DoRA (PEFT caches the same norm).
struct MergeRecord {
  torch::Tensor dora_weight_norm;  // ||W + sBA|| per output row; undefined for plain LoRA
};

// W ← W + multiplier·ΔW in place (W is [out, in], or [in, out] when adapter.fan_in_fan_out; a conv module's W is
// the contiguous conv weight [out, in, k…], updated through its [out, in·k…] view).
// DoRA: W ← m/||W + sBA||·(W + sBA), the norm per output feature (PEFT). Accumulates in float32 (float64 for
// double weights) and rounds once into W's dtype; on CUDA, in a build with the kernels, plain LoRA goes through
// the grouped merge kernel (no float32 copy of a bf16/fp16 weight). Throws Error naming the module on a shape
// mismatch.
MergeRecord merge_into(torch::Tensor& weight, const LoraAdapter& adapter, const LoraModule& m, double multiplier = 1.0);
// Inverse of merge_into (DoRA needs the record merge_into returned).
void unmerge_from(torch::Tensor& weight, const LoraAdapter& adapter, const LoraModule& m, double multiplier = 1.0,
                  const MergeRecord& record = {});

// A copy whose every ΔW is multiplied by s (B is scaled; A, alpha and ranks are kept; A and the other tensors
// are shared with `adapter`). For DoRA modules this scales the low-rank update, as PEFT's scale_layer does.
LoraAdapter scaled(const LoraAdapter& adapter, double s);

}  // namespace lorastudio
