#include "core/cuda/grouped_merge.h"

#include <sstream>

#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "core/cuda/lora_merge_kernels.cuh"
#endif

namespace lorastudio {
namespace {

void check_group(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& B,
                 const std::vector<torch::Tensor>& A, const std::vector<double>& scales) {
  if (B.size() != weights.size() || A.size() != weights.size() || scales.size() != weights.size()) {
    std::ostringstream s;
    s << "grouped_merge_: " << weights.size() << " weights, " << B.size() << " B, " << A.size() << " A and "
      << scales.size() << " scales (all must be equal)";
    throw Error(s.str());
  }
  for (size_t g = 0; g < weights.size(); ++g) {
    const auto &w = weights[g], &b = B[g], &a = A[g];
    if (!w.defined() || !b.defined() || !a.defined() || w.dim() != 2 || b.dim() != 2 || a.dim() != 2 ||
        b.size(0) != w.size(0) || a.size(1) != w.size(1) || b.size(1) != a.size(0)) {
      std::ostringstream s;
      s << "grouped_merge_: matrix " << g << " needs W [out, in], B [out, r], A [r, in]";
      if (w.defined() && b.defined() && a.defined())
        s << ", got W " << w.sizes() << ", B " << b.sizes() << ", A " << a.sizes();
      throw Error(s.str());
    }
    if (!w.is_floating_point()) throw Error("grouped_merge_: weight " + std::to_string(g) + " is not floating point");
  }
}

void merge_one(torch::Tensor& w, const torch::Tensor& B, const torch::Tensor& A, double scale) {
  const torch::ScalarType acc = w.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const torch::Tensor b = B.to(w.device(), acc), a = A.to(w.device(), acc);
  if (w.scalar_type() == acc) {
    w.addmm_(b, a, 1, scale);
  } else {
    torch::Tensor tmp = w.to(acc);
    tmp.addmm_(b, a, 1, scale);
    w.copy_(tmp);
  }
}

#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
bool kernel_applies(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& A) {
  if (weights.empty() || !weights.front().is_cuda()) return false;
  const auto device = weights.front().device();
  const auto dtype = weights.front().scalar_type();
  if (dtype != torch::kFloat && dtype != torch::kHalf && dtype != torch::kBFloat16) return false;
  for (size_t g = 0; g < weights.size(); ++g) {
    const auto& w = weights[g];
    if (w.device() != device || w.scalar_type() != dtype) return false;
    if (w.size(1) > 1 && w.stride(1) != 1) return false;
    if (w.size(0) > 1 && w.stride(0) < w.size(1)) return false;
    if (w.size(0) > INT32_MAX || w.size(1) > INT32_MAX) return false;
    if (A[g].size(0) > LORA_MERGE_MAX_RANK) return false;
  }
  return true;
}

void run_kernel(std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& B,
                const std::vector<torch::Tensor>& A, const std::vector<double>& scales) {
  const auto device = weights.front().device();
  const c10::cuda::CUDAGuard guard(device);
  std::vector<torch::Tensor> keep;  // float32 contiguous factors, alive until the launch is enqueued
  keep.reserve(2 * weights.size());
  std::vector<LoraMergeProblem> problems(weights.size());
  for (size_t g = 0; g < weights.size(); ++g) {
    keep.push_back(B[g].to(device, torch::kFloat).contiguous());
    const torch::Tensor& b = keep.back();
    keep.push_back(A[g].to(device, torch::kFloat).contiguous());
    const torch::Tensor& a = keep.back();
    LoraMergeProblem& p = problems[g];
    p.weight = weights[g].data_ptr();
    p.B = b.data_ptr<float>();
    p.A = a.data_ptr<float>();
    p.scale = static_cast<float>(scales[g]);
    p.rank = static_cast<int>(a.size(0));
    p.rows = static_cast<int>(weights[g].size(0));
    p.cols = static_cast<int>(weights[g].size(1));
    p.ld_weight = weights[g].size(0) > 1 ? weights[g].stride(0) : weights[g].size(1);
  }
  const auto dtype = weights.front().scalar_type();
  const LoraMergeDtype kind = dtype == torch::kFloat ? LORA_MERGE_F32 : dtype == torch::kHalf ? LORA_MERGE_F16 : LORA_MERGE_BF16;
  const cudaError_t err = lora_grouped_merge(problems.data(), static_cast<int>(problems.size()), kind,
                                             at::cuda::getCurrentCUDAStream(device.index()).stream());
  if (err != cudaSuccess) throw Error(std::string("grouped_merge_: CUDA kernel failed: ") + cudaGetErrorString(err));
}
#endif

}  // namespace

bool grouped_merge_kernels_built() {
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  return true;
#else
  return false;
#endif
}

bool grouped_merge_(std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& B,
                    const std::vector<torch::Tensor>& A, const std::vector<double>& scales) {
  check_group(weights, B, A, scales);
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  if (kernel_applies(weights, A)) {
    run_kernel(weights, B, A, scales);
    return true;
  }
#endif
  for (size_t g = 0; g < weights.size(); ++g) merge_one(weights[g], B[g], A[g], scales[g]);
  return false;
}

}  // namespace lorastudio
