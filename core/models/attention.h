#pragma once
// Multi-head scaled dot-product attention for the models here: LibTorch's fused scaled_dot_product_attention
// where the LibTorch has it (2.x: flash / memory-efficient kernels on CUDA), a plain softmax(QKᵀ·s + mask)·V
// otherwise (Debian's LibTorch 1.13).
#include <torch/torch.h>

namespace lorastudio::models {

struct AttentionMask {
  torch::Tensor additive;  // broadcastable to [batch, heads, query, key]: 0 where allowed, -inf-like where not
  bool causal = false;     // also mask keys after the query (query i sees keys ≤ i + key_offset)
};

// q, k, v: [batch, heads, length, head_dim]. `scale` 0: 1/sqrt(head_dim). `dropout`: probability of dropping an
// attention weight (training only; 0 in evaluation). Returns [batch, heads, q_len, head_dim].
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const AttentionMask& mask,
                     double scale = 0.0, double dropout = 0.0);

// [batch, 1, 1, key_len] additive mask from a 0/1 attention mask [batch, key_len], in `dtype`.
torch::Tensor padding_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype);

// The mask itself, or undefined when it is all ones (no padding): it then blocks nothing, and without it the fused
// attention can take its fastest kernel, as transformers does with such a mask. Reads the values: free on the CPU,
// a device synchronisation on a GPU (decide before moving the mask there).
torch::Tensor mask_if_padded(const torch::Tensor& attention_mask);

// [batch, length, heads·head_dim] ↔ [batch, heads, length, head_dim].
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

bool fused_attention_available();

}  // namespace lorastudio::models
