#pragma once
// 1D U-Net denoiser (Cond P-Diff): residual Conv1d blocks with GroupNorm, a sinusoidal time embedding
// and the condition embedding injected at every level (scale-shift on each block's second norm).
#include "core/generator/latent_denoiser.h"

namespace lorastudio {

struct ResBlock1dImpl : torch::nn::Module {
  ResBlock1dImpl(int64_t in, int64_t out, int64_t emb_dim, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv1d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  torch::nn::Linear emb_proj{nullptr};
};
TORCH_MODULE(ResBlock1d);

struct UNet1dImpl : LatentDenoiserImpl {
  explicit UNet1dImpl(DenoiserConfig config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) override;
  torch::Tensor null_condition() const override { return null_cond; }

  DenoiserConfig config;
  torch::nn::Sequential time_mlp{nullptr}, cond_mlp{nullptr};
  torch::Tensor null_cond;
  torch::nn::Conv1d in_conv{nullptr}, out_conv{nullptr};
  torch::nn::ModuleList down_blocks{nullptr}, downsamplers{nullptr}, up_blocks{nullptr}, upsamplers{nullptr};
  ResBlock1d mid_block{nullptr};
  torch::nn::GroupNorm out_norm{nullptr};
};

}  // namespace lorastudio
