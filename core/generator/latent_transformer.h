#pragma once
// Transformer denoiser over latent tokens with adaptive layer norm (adaLN-Zero, as in DiT; the
// choice of LoRAGen): the latent [B, C, L] is cut into tokens of `token_patch` positions; the time
// and condition embedding modulate (shift, scale, gate) every block.
#include "core/generator/latent_denoiser.h"

namespace lorastudio {

struct AdaLnBlockImpl : torch::nn::Module {
  AdaLnBlockImpl(int64_t d_model, int64_t heads, int64_t emb_dim);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);
  int64_t heads;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr}, modulation{nullptr};
};
TORCH_MODULE(AdaLnBlock);

struct LatentTransformerImpl : LatentDenoiserImpl {
  explicit LatentTransformerImpl(DenoiserConfig config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) override;
  torch::Tensor null_condition() const override { return null_cond; }

  DenoiserConfig config;
  torch::nn::Sequential time_mlp{nullptr}, cond_mlp{nullptr};
  torch::Tensor null_cond, pos_embed;
  torch::nn::Linear token_in{nullptr}, token_out{nullptr}, final_modulation{nullptr};
  torch::nn::LayerNorm final_norm{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};

}  // namespace lorastudio
