#pragma once
// The style world: the photo set (photo_set.h) divided by role, and the style suite (style_catalog.h).
//  - tuning photos: the training split less the condition photos; style LoRAs are fine-tuned on their patches
//  - condition photos: never tuned on; a procedural style's condition is the style applied to them
//  - evaluation photos: the held-out split; every quality figure is measured on them
// A reference-family style's condition is its reference image itself.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/imaging/photo_set.h"
#include "core/imaging/style_catalog.h"

namespace lorastudio {

struct StyleWorldOptions {
  std::vector<std::string> condition_photos = {"fruits", "baboon", "graffiti"};
  int64_t condition_size = 128;   // longest side of condition images
  int64_t evaluation_size = 128;  // longest side of evaluation photos (even sides)
};

class StyleWorld {
 public:
  // Opens the photo set in `photos_dir` and builds the suite. FileError when a photo is missing.
  static StyleWorld open(const std::string& photos_dir, const StyleWorldOptions& options = {});

  const std::vector<Style>& styles() const { return styles_; }
  const Style& style(const std::string& name) const;  // Error naming the style when unknown
  const std::vector<torch::Tensor>& tuning_photos() const { return tuning_; }
  const std::vector<torch::Tensor>& evaluation_photos() const { return evaluation_; }  // [3, h, w], even sides
  const std::vector<std::string>& evaluation_names() const { return evaluation_names_; }
  // The condition of a style: [3, h, w] images (the style on each condition photo, or the reference image).
  std::vector<torch::Tensor> condition_images(const Style& style) const;
  const PhotoSet& photos() const { return photos_; }
  const StyleWorldOptions& options() const { return options_; }

 private:
  PhotoSet photos_;
  StyleWorldOptions options_;
  std::vector<Style> styles_;
  std::vector<torch::Tensor> tuning_, condition_, evaluation_;
  std::vector<std::string> evaluation_names_;
};

// A photo given on a command line: an image file, else the name of a photo in the set at `photos_dir`.
torch::Tensor load_photo_argument(const std::string& file_or_name, const std::string& photos_dir);

// `image` resized (area) so that its longest side is `longest`, both sides even.
torch::Tensor fit_image(const torch::Tensor& image, int64_t longest);

}  // namespace lorastudio
