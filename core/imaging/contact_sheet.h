#pragma once
// A contact sheet: images in a grid, each with a caption below it, on a light ground (OpenCV's Hershey
// font; without OpenCV the captions are left out). Used for style previews and interpolation strips.
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct SheetTile {
  torch::Tensor image;  // [3, H, W] in [0, 1]; tiles are resized to the first tile's size
  std::string caption;
};

// [3, H', W'] with `columns` tiles per row (0: all in one row).
torch::Tensor contact_sheet(const std::vector<SheetTile>& tiles, int columns = 0);

}  // namespace lorastudio
