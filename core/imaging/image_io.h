#pragma once
// Image files for style conditions and previews. The only place in core/ that uses OpenCV, and only
// when built with LORASTUDIO_WITH_OPENCV; binary PPM files are read without it.
#include <string>

#include <torch/types.h>

namespace lorastudio {

// An RGB image file as [3, H, W] float in [0, 1]. Throws FileError naming the file.
torch::Tensor load_rgb_image(const std::string& path);
// Writes [3, H, W] in [0, 1] (clamped) as PNG or JPEG (by extension; OpenCV) or binary PPM (.ppm, always),
// to a temporary name then renamed. Throws FileError naming the file.
void save_rgb_image(const std::string& path, const torch::Tensor& image);
bool image_io_has_opencv();

}  // namespace lorastudio
