#pragma once
// The exact t-SNE gradient through the fused CUDA kernel (core/cuda/tsne_kernels.cu) when this build has it.
#include <optional>

#include <torch/types.h>

namespace lorastudio {

// grad = 4 (attraction - repulsion / Z) for positions [N, 2] and dense P [N, N], both float32 CUDA tensors;
// nullopt when the kernels are not built or the tensors don't qualify (the caller falls back to tensor ops).
std::optional<torch::Tensor> fused_exact_tsne_gradient(const torch::Tensor& positions, const torch::Tensor& p,
                                                       double exaggeration);

}  // namespace lorastudio
