#pragma once
// W_g += s_g · B_g · A_g for a group of matrices: one launch of the grouped CUDA kernel when the project was
// built with CUDA kernels and the weights are CUDA tensors, otherwise a per-matrix addmm_ (correct everywhere).
#include <vector>

#include <torch/types.h>

namespace lorastudio {

// weights[g] is [out, in] (any float dtype), B[g] [out, r], A[g] [r, in]; all the same length as `scales`.
// The product is accumulated in float32 (float64 for double weights) and rounded once into each weight.
// Returns true when the grouped kernel did the work (all weights on one CUDA device, one dtype among
// float32/float16/bfloat16, unit column stride, ranks <= 64), false when the per-matrix fallback did.
// The weights must not overlap one another. Throws Error on mismatched sizes or shapes.
bool grouped_merge_(std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& B,
                    const std::vector<torch::Tensor>& A, const std::vector<double>& scales);

// Whether this build contains the CUDA kernels (LORASTUDIO_HAVE_CUDA_KERNELS).
bool grouped_merge_kernels_built();

}  // namespace lorastudio
