#include "core/cuda/tsne_exact_cuda.h"

#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "core/cuda/tsne_kernels.cuh"
#endif

namespace lorastudio {

std::optional<torch::Tensor> fused_exact_tsne_gradient(const torch::Tensor& positions, const torch::Tensor& p,
                                                       double exaggeration) {
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  if (!positions.is_cuda() || !p.is_cuda() || positions.scalar_type() != torch::kFloat ||
      p.scalar_type() != torch::kFloat || positions.dim() != 2 || positions.size(1) != 2 || p.dim() != 2 ||
      p.size(0) != positions.size(0) || p.size(1) != positions.size(0))
    return std::nullopt;
  const c10::cuda::CUDAGuard guard(positions.device());
  const auto y = positions.contiguous(), pc = p.contiguous();
  auto sums = torch::empty({y.size(0), 5}, y.options());
  const cudaError_t status = tsne_exact_row_forces(pc.data_ptr<float>(), y.data_ptr<float>(), y.size(0),
                                                   static_cast<float>(exaggeration), sums.data_ptr<float>(),
                                                   at::cuda::getCurrentCUDAStream());
  if (status != cudaSuccess) throw Error(std::string("t-SNE CUDA kernel: ") + cudaGetErrorString(status));
  const auto z = sums.select(1, 4).sum().clamp_min(1e-12);
  return (sums.slice(1, 0, 2) - sums.slice(1, 2, 4) / z).mul_(4.0);
#else
  (void)positions;
  (void)p;
  (void)exaggeration;
  return std::nullopt;
#endif
}

}  // namespace lorastudio
