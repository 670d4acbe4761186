#pragma once
// The image operations the style world's styles are made of (OpenCV; core/imaging is the only part of the
// core that uses it). Every operation maps an RGB image [3, H, W] float in [0, 1] to one of the same size,
// deterministically, and is local: a pixel of the output depends on a neighbourhood of the input (and on
// constants), so that a convolutional network can learn it from patches. Built without OpenCV, each throws Error.
#include <array>
#include <cstdint>
#include <string>

#include <torch/types.h>

namespace lorastudio::style_ops {

bool available();  // false when built without OpenCV

torch::Tensor pencil(const torch::Tensor& image, bool colour);           // cv::pencilSketch
torch::Tensor charcoal(const torch::Tensor& image);                      // dark smudged strokes on paper
// Light strokes on a ground of colour `ground` (RGB in [0, 1]), chalk on a board.
torch::Tensor chalk(const torch::Tensor& image, const std::array<float, 3>& ground);
torch::Tensor ink(const torch::Tensor& image);                           // adaptive-threshold line drawing
torch::Tensor watercolour(const torch::Tensor& image);                   // cv::stylization, paper tint
torch::Tensor oil(const torch::Tensor& image, int64_t size);             // cv::xphoto::oilPainting
torch::Tensor cartoon(const torch::Tensor& image);                       // bilateral smoothing, flat colours, ink edges
torch::Tensor detail(const torch::Tensor& image);                        // cv::detailEnhance
torch::Tensor smooth(const torch::Tensor& image);                        // cv::edgePreservingFilter
torch::Tensor emboss(const torch::Tensor& image, bool colour);
torch::Tensor halftone(const torch::Tensor& image, int64_t period);      // dots on a grid fixed to the image origin
torch::Tensor pixelate(const torch::Tensor& image, int64_t block);
torch::Tensor posterise(const torch::Tensor& image, int64_t levels);
torch::Tensor colour_map(const torch::Tensor& image, int64_t cv_colormap);  // cv::applyColorMap on luminance
torch::Tensor sepia(const torch::Tensor& image);
torch::Tensor duotone(const torch::Tensor& image, const std::array<float, 3>& dark, const std::array<float, 3>& light);
torch::Tensor negative(const torch::Tensor& image);
torch::Tensor faded(const torch::Tensor& image);                         // lifted blacks, muted colours, warm cast

// Colour statistics of an image in CIE Lab (L in [0, 100]): mean and standard deviation per channel.
struct LabStats {
  std::array<float, 3> mean{50.f, 0.f, 0.f};
  std::array<float, 3> stddev{25.f, 12.f, 15.f};
};
LabStats lab_stats(const torch::Tensor& image);
// Typical statistics of a natural photo (fixed constants, not measured per image: a transfer that measured
// each input would not be local). Colour transfer maps these to the target's.
LabStats natural_photo_lab_stats();
// Reinhard-style transfer in Lab: (x − from.mean)/from.stddev·to.stddev + to.mean, per pixel.
torch::Tensor colour_transfer(const torch::Tensor& image, const LabStats& from, const LabStats& to);
// Mean gradient magnitude of the luminance (texture energy), on the image downscaled to at most 256 px.
double edge_density(const torch::Tensor& image);
// image·(1 − strength·edges) with edges = min(1, 4·|∇ luminance|): dark outlines of a given strength.
torch::Tensor edge_darken(const torch::Tensor& image, double strength);
torch::Tensor gaussian_blur(const torch::Tensor& image, double sigma);

}  // namespace lorastudio::style_ops
