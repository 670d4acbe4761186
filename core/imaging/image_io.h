#pragma once
// Image files for style conditions and previews. The only place in core/ that uses OpenCV, and only
// when built with LORASTUDIO_WITH_OPENCV; binary PPM files are read without it.
#include <string>

#include <torch/types.h>

namespace lorastudio {

// An RGB image file as [3, H, W] float in [0, 1]. Throws FileError naming the file.
torch::Tensor load_rgb_image(const std::string& path);
bool image_io_has_opencv();

}  // namespace lorastudio
