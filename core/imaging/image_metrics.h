#pragma once
// Image quality measures on [.., 3, H, W] tensors in [0, 1] (torch only: no OpenCV, no downloaded network).
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

// Peak signal-to-noise ratio in dB of `image` (clamped to [0, 1]) against `reference`, over all values:
// 10·log10(1 / MSE). Identical images give +inf.
double psnr(const torch::Tensor& image, const torch::Tensor& reference);

// Structural similarity (Wang et al. 2004): an 11×11 Gaussian window (σ = 1.5), C1 = 0.01², C2 = 0.03², per
// channel over the window positions that fit inside the image (no padding), averaged over channels, positions
// and images. 1 for identical images. Images need at least 11×11 pixels.
double ssim(const torch::Tensor& image, const torch::Tensor& reference);

// Sliced Wasserstein distance between the local-patch distributions of two image sets (the SWD of Karras et
// al., ProGAN, 2018): 7×7 RGB neighbourhoods drawn from each level of a Laplacian pyramid, each descriptor
// standardised per channel over both sets, projected on random unit directions; the distance is the mean
// absolute difference of the sorted projections, averaged over directions and levels, ×1000. 0 for the same
// images; it needs no trained network. Images may differ in size within a set; every image needs 16×16 pixels.
struct SwdOptions {
  int levels = 3;                 // pyramid levels (the finest first)
  int64_t patches_per_image = 128;
  int64_t directions = 128;
  uint64_t seed = 0;
};
double sliced_wasserstein(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b,
                          const SwdOptions& options = {});

}  // namespace lorastudio
