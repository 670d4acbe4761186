#pragma once
// Image quality measures on [.., 3, H, W] tensors in [0, 1].
#include <torch/types.h>

namespace lorastudio {

// Peak signal-to-noise ratio in dB of `image` (clamped to [0, 1]) against `reference`, over all values:
// 10·log10(1 / MSE). Identical images give +inf.
double psnr(const torch::Tensor& image, const torch::Tensor& reference);

}  // namespace lorastudio
