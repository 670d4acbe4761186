#include "core/models/attention.h"

#include <torch/version.h>

#include <cmath>
#include <limits>

namespace lorastudio::models {

bool fused_attention_available() { return TORCH_VERSION_MAJOR >= 2; }

namespace {
// The most negative finite value of `dtype` (a blocked position; -inf would give NaN on a fully blocked row).
torch::Tensor lowest(const torch::TensorOptions& options) {
  double value = std::numeric_limits<float>::lowest();
  if (options.dtype() == torch::kHalf) value = -65504.0;
  if (options.dtype() == torch::kBFloat16) value = -3.38e38;
  return torch::full({}, value, options);
}
}  // namespace

torch::Tensor padding_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype) {
  auto keep = attention_mask.to(torch::kBool).unsqueeze(1).unsqueeze(2);
  auto blocked = lowest(torch::TensorOptions().dtype(dtype).device(attention_mask.device()));
  return torch::where(keep, torch::zeros({}, blocked.options()), blocked);
}

torch::Tensor mask_if_padded(const torch::Tensor& attention_mask) {
  if (!attention_mask.defined() || attention_mask.numel() == 0) return {};
  return attention_mask.ne(0).all().item<bool>() ? torch::Tensor() : attention_mask;
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).contiguous().view({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

namespace {

torch::Tensor causal_additive(int64_t q_len, int64_t k_len, const torch::TensorOptions& options) {
  // Query i (the last q_len positions of k_len) sees keys 0 … k_len - q_len + i.
  auto allowed = torch::ones({q_len, k_len}, options.dtype(torch::kBool)).tril(k_len - q_len);
  auto blocked = lowest(options);
  return torch::where(allowed, torch::zeros({}, options), blocked);
}

torch::Tensor combined_mask(const torch::Tensor& q, const torch::Tensor& k, const AttentionMask& mask) {
  torch::Tensor m = mask.additive.defined() ? mask.additive.to(q.dtype()) : torch::Tensor();
  if (mask.causal) {
    auto c = causal_additive(q.size(2), k.size(2), q.options());
    m = m.defined() ? torch::maximum(m + c, lowest(q.options())) : c;
  }
  return m;
}

}  // namespace

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const AttentionMask& mask,
                     double scale, double dropout) {
  if (scale == 0.0) scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
#if TORCH_VERSION_MAJOR >= 2
  if (mask.causal && !mask.additive.defined() && q.size(2) == k.size(2)) {
    return at::scaled_dot_product_attention(q, k, v, {}, dropout, true, scale);
  }
  torch::Tensor m = combined_mask(q, k, mask);
  return at::scaled_dot_product_attention(q, k, v, m.defined() ? std::optional<at::Tensor>(m) : std::nullopt,
                                          dropout, false, scale);
#else
  auto scores = torch::matmul(q, k.transpose(-1, -2)) * scale;
  auto m = combined_mask(q, k, mask);
  if (m.defined()) scores = scores + m;
  auto weights = torch::softmax(scores, -1);
  if (dropout > 0) weights = torch::dropout(weights, dropout, true);
  return torch::matmul(weights, v);
#endif
}

}  // namespace lorastudio::models
