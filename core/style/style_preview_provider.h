#pragma once
// The style world's preview: the bundle's stylizer on a photo, with ΔW = (1−λ)·ΔW_a + λ·ΔW_b on each adapted
// convolution. Each adapter's ΔW is computed once per pair, so a new λ costs one forward pass (draft: the
// photo's longest side at draft_size; full: full_size). Where an end's style is known (the adapter's
// provenance names a style the truth lookup knows), the caption gives the PSNR against its true output.
#include <functional>
#include <map>
#include <tuple>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/imaging/style_catalog.h"
#include "core/studio/preview_provider.h"
#include "core/style/stylizer.h"

namespace lorastudio {

class StyleDemo;

struct StylePreviewSubject {
  std::string name;
  torch::Tensor photo;  // [3, H, W] in [0, 1]; undefined: read from `path` at the first render (on the worker)
  std::string path;
};

class StylePreviewProvider : public PreviewProvider {
 public:
  // The true style of a style name, or nullopt (then captions leave that end's PSNR out).
  using TruthLookup = std::function<std::optional<Style>(const std::string& style)>;

  StylePreviewProvider(Stylizer stylizer, std::vector<StylePreviewSubject> subjects, TruthLookup truths = {},
                       int64_t draft_size = 128, int64_t full_size = 256);
  // The bundle's check photos as subjects, its true styles (with OpenCV) for the captions.
  static std::unique_ptr<StylePreviewProvider> for_demo(std::shared_ptr<const StyleDemo> demo);

  std::string kind() const override { return "style"; }
  std::string title() const override { return "stylized photo"; }
  std::vector<std::string> subjects() const override;
  PreviewImage render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                      double lambda, int subject, PreviewQuality quality) override;

 private:
  const ConvDeltas& deltas_of(const std::shared_ptr<const LoraAdapter>& adapter, int slot);
  const torch::Tensor& photo_at(int subject, int64_t size);
  const torch::Tensor* truth_of(const LoraAdapter& adapter, int subject, int64_t size);

  Stylizer stylizer_;
  std::vector<StylePreviewSubject> subjects_;
  int64_t draft_size_, full_size_;
  std::shared_ptr<const LoraAdapter> cached_[2];
  ConvDeltas deltas_[2];
  std::map<std::pair<int, int64_t>, torch::Tensor> photos_;  // fitted photos by (subject, size)
  TruthLookup truth_lookup_;
  std::map<std::string, std::optional<Style>> styles_;                         // by name, looked up once
  std::map<std::tuple<std::string, int, int64_t>, torch::Tensor> truth_images_;  // by (style, subject, size)
};

// [3, H, W] in [0, 1] → 8-bit RGB.
PreviewImage to_preview_image(const torch::Tensor& image, std::string caption);

}  // namespace lorastudio
