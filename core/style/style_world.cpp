#include "core/style/style_world.h"

#include <algorithm>
#include <filesystem>

#include <torch/torch.h>

#include "core/imaging/image_io.h"
#include "core/util/error.h"

namespace lorastudio {

torch::Tensor fit_image(const torch::Tensor& image, int64_t longest) {
  if (image.dim() != 3 || image.size(0) != 3) throw Error("fit_image: an image must be [3, H, W]");
  const double s = static_cast<double>(longest) / static_cast<double>(std::max(image.size(1), image.size(2)));
  const int64_t h = std::max<int64_t>(2, static_cast<int64_t>(image.size(1) * s + 0.5) / 2 * 2);
  const int64_t w = std::max<int64_t>(2, static_cast<int64_t>(image.size(2) * s + 0.5) / 2 * 2);
  namespace F = torch::nn::functional;
  return F::interpolate(image.unsqueeze(0).to(torch::kFloat),
                        F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kArea))
      .squeeze(0)
      .clamp(0, 1);
}

torch::Tensor load_photo_argument(const std::string& file_or_name, const std::string& photos_dir) {
  if (std::filesystem::exists(file_or_name)) return load_rgb_image(file_or_name);
  return PhotoSet::open(photos_dir).load(file_or_name);
}

StyleWorld StyleWorld::open(const std::string& photos_dir, const StyleWorldOptions& options) {
  StyleWorld w;
  w.photos_ = PhotoSet::open(photos_dir);
  w.options_ = options;
  w.styles_ = standard_styles([&](const std::string& name) { return w.photos_.load(name); });
  const auto& cond = options.condition_photos;
  for (const auto& p : w.photos_.split("train")) {
    if (std::find(cond.begin(), cond.end(), p.name) == cond.end()) w.tuning_.push_back(w.photos_.load(p));
  }
  for (const auto& name : cond) w.condition_.push_back(fit_image(w.photos_.load(name), options.condition_size));
  for (const auto& p : w.photos_.split("held_out")) {
    w.evaluation_.push_back(fit_image(w.photos_.load(p), options.evaluation_size));
    w.evaluation_names_.push_back(p.name);
  }
  if (w.tuning_.empty() || w.evaluation_.empty()) throw FileError(photos_dir, "needs training and held-out photos");
  return w;
}

const Style& StyleWorld::style(const std::string& name) const {
  for (const auto& s : styles_)
    if (s.name == name) return s;
  throw Error("no style named \"" + name + "\" (lora-studio-cli styles lists them)");
}

std::vector<torch::Tensor> StyleWorld::condition_images(const Style& style) const {
  if (style.family == StyleFamily::Reference)
    return {fit_image(photos_.load(style.reference), options_.condition_size)};
  std::vector<torch::Tensor> out;
  for (const auto& photo : condition_) out.push_back(style.apply(photo));
  return out;
}

}  // namespace lorastudio
