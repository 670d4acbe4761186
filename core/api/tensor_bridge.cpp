#include "core/api/tensor_bridge.h"

#include <torch/torch.h>

namespace lorastudio::api {

FloatArray float_array(const torch::Tensor& tensor) {
  FloatArray out;
  if (!tensor.defined() || tensor.numel() == 0) return out;
  torch::Tensor t = tensor;
  if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat || !t.is_contiguous())
    t = t.to(torch::kCPU, torch::kFloat).contiguous();
  out.shape = t.sizes().vec();
  // The deleter holds the tensor: the values live as long as any copy of the array.
  out.values = std::shared_ptr<const float>(t.data_ptr<float>(), [keep = t](const float*) mutable { keep = torch::Tensor(); });
  return out;
}

torch::Tensor tensor_view(const FloatArray& array) {
  if (array.empty()) return torch::empty({0}, torch::kFloat);
  // from_blob needs a non-const pointer; the tensor shares ownership through its deleter.
  auto* data = const_cast<float*>(array.values.get());
  return torch::from_blob(data, array.shape, [keep = array.values](void*) {}, torch::TensorOptions().dtype(torch::kFloat));
}

}  // namespace lorastudio::api
