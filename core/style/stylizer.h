#pragma once
// The style world's base model: a small convolutional image-to-image network (450,147 parameters at the
// defaults) pretrained to reproduce its input, whose convolutions style LoRAs then adapt (issue 8).
//
//   conv_in (3→C, 3×3) → SiLU → down (C→2C, 4×4, stride 2) → SiLU → blocks: residual (3×3, 3×3) at 2C
//   → up (nearest ×2, 2C→C, 3×3) → SiLU → + conv_in's features → conv_out (C→3, 3×3)
// Images are [N, 3, H, W] in [0, 1] with even H and W; the output is not clamped while training.
#include <cstdint>
#include <map>
#include <string>

#include <torch/torch.h>

namespace lorastudio {

// Additions to convolution weights by module path ("conv_in", "blocks.0.conv1", …), each shaped as that
// convolution's weight: a LoRA's ΔW (stylizer_lora.h). The forward pass convolves with W + ΔW, so gradients
// reach whatever the ΔW was computed from.
using ConvDeltas = std::map<std::string, torch::Tensor>;

struct StylizerConfig {
  int64_t channels = 48;  // C
  int64_t blocks = 2;     // residual blocks at 2C
};

struct StylizerBlockImpl : torch::nn::Module {
  explicit StylizerBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x, const ConvDeltas& deltas = {}, const std::string& prefix = {});
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(StylizerBlock);

struct StylizerImpl : torch::nn::Module {
  explicit StylizerImpl(StylizerConfig config = {});
  torch::Tensor forward(const torch::Tensor& images, const ConvDeltas& deltas = {});
  int64_t parameter_count() const;
  // Every convolution by its module path, in forward order.
  std::vector<std::pair<std::string, torch::nn::Conv2d>> convolutions() const;

  StylizerConfig config;
  torch::nn::Conv2d conv_in{nullptr}, down{nullptr}, up{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(Stylizer);

}  // namespace lorastudio
