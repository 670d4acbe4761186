#include "core/style/style_preview_provider.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <torch/torch.h>

#include "core/imaging/image_io.h"
#include "core/imaging/image_metrics.h"
#include "core/imaging/style_ops.h"
#include "core/lora/lora_adapter.h"
#include "core/style/style_demo.h"
#include "core/style/style_world.h"
#include "core/style/stylizer_lora.h"
#include "core/util/error.h"

namespace lorastudio {

PreviewImage to_preview_image(const torch::Tensor& image, std::string caption) {
  const torch::Tensor bytes =
      image.detach().to(torch::kCPU, torch::kFloat32).clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  PreviewImage out;
  out.height = static_cast<int>(bytes.size(0));
  out.width = static_cast<int>(bytes.size(1));
  out.rgb = std::make_shared<const std::vector<uint8_t>>(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  out.caption = std::move(caption);
  return out;
}

StylePreviewProvider::StylePreviewProvider(Stylizer stylizer, std::vector<StylePreviewSubject> subjects, TruthLookup truths,
                                           int64_t draft_size, int64_t full_size)
    : stylizer_(std::move(stylizer)), subjects_(std::move(subjects)), draft_size_(draft_size), full_size_(full_size),
      truth_lookup_(std::move(truths)) {
  if (subjects_.empty()) throw Error("style preview: no photos to preview on");
}

std::unique_ptr<StylePreviewProvider> StylePreviewProvider::for_demo(std::shared_ptr<const StyleDemo> demo) {
  std::vector<StylePreviewSubject> subjects;
  // The bundle's larger preview photos where it has them (older bundles: the small check photos).
  for (const auto& p : demo->check.previews)
    subjects.push_back({std::filesystem::path(p).stem().string(), torch::Tensor(), demo->preview_photo_path(p)});
  if (subjects.empty())
    for (const auto& p : demo->check.photos)
      subjects.push_back({std::filesystem::path(p).stem().string(), torch::Tensor(), demo->check_photo_path(p)});
  TruthLookup truths;
  if (style_ops::available())
    truths = [demo](const std::string& name) -> std::optional<Style> {
      if (!demo->style(name)) return std::nullopt;
      return demo->true_style(name);
    };
  return std::make_unique<StylePreviewProvider>(demo->stylizer, std::move(subjects), std::move(truths));
}

std::vector<std::string> StylePreviewProvider::subjects() const {
  std::vector<std::string> names;
  for (const auto& s : subjects_) names.push_back(s.name);
  return names;
}

// The true output of the style the adapter was generated for (its provenance's "condition_name"), cached.
const torch::Tensor* StylePreviewProvider::truth_of(const LoraAdapter& adapter, int subject, int64_t size) {
  const auto named = adapter.provenance.find("condition_name");
  if (!truth_lookup_ || named == adapter.provenance.end()) return nullptr;
  auto style = styles_.find(named->second);
  if (style == styles_.end()) style = styles_.emplace(named->second, truth_lookup_(named->second)).first;
  if (!style->second) return nullptr;
  auto& image = truth_images_[{named->second, subject, size}];
  if (!image.defined()) image = style->second->apply(photo_at(subject, size));
  return &image;
}

const ConvDeltas& StylePreviewProvider::deltas_of(const std::shared_ptr<const LoraAdapter>& adapter, int slot) {
  if (!adapter) throw Error("style preview: no adapter");
  if (cached_[slot] != adapter) {  // held here, so its address cannot be reused by another while cached
    deltas_[slot] = conv_deltas(stylizer_, *adapter, slot == 0 ? "adapter A" : "adapter B");
    cached_[slot] = adapter;
  }
  return deltas_[slot];
}

const torch::Tensor& StylePreviewProvider::photo_at(int subject, int64_t size) {
  auto& photo = photos_[{subject, size}];
  if (!photo.defined()) {
    auto& source = subjects_.at(static_cast<size_t>(subject));
    if (!source.photo.defined()) source.photo = load_rgb_image(source.path);  // FileError naming the file
    photo = fit_image(source.photo, size);
  }
  return photo;
}

PreviewImage StylePreviewProvider::render(const std::shared_ptr<const LoraAdapter>& a,
                                          const std::shared_ptr<const LoraAdapter>& b, double lambda, int subject,
                                          PreviewQuality quality) {
  if (subject < 0 || subject >= static_cast<int>(subjects_.size()))
    throw Error("style preview: subject " + std::to_string(subject) + " of " + std::to_string(subjects_.size()));
  if (!std::isfinite(lambda)) throw Error("style preview: λ must be a finite number");
  torch::InferenceMode inference;
  const ConvDeltas& da = deltas_of(a, 0);
  const ConvDeltas& db = deltas_of(b, 1);
  ConvDeltas mixed;
  for (const auto& [path, delta] : da) {
    const auto other = db.find(path);
    if (other == db.end()) throw Error("style preview: the adapters adapt different modules (" + path + ")");
    mixed[path] = delta * (1.0 - lambda) + other->second * lambda;
  }
  const int64_t size = quality == PreviewQuality::Draft ? draft_size_ : full_size_;
  const torch::Tensor& photo = photo_at(subject, size);
  const torch::Tensor image = stylizer_->forward(photo.unsqueeze(0), mixed).clamp(0, 1).squeeze(0);
  char caption[160];
  std::snprintf(caption, sizeof(caption), "λ = %.2f", lambda);
  std::string text = caption;
  for (const auto* end : {a.get(), b.get()}) {
    const torch::Tensor* truth = truth_of(*end, subject, size);
    if (!truth) continue;
    std::snprintf(caption, sizeof(caption), " · %.1f dB to true %s", psnr(image, *truth),
                  end->provenance.at("condition_name").c_str());
    text += caption;
  }
  return to_preview_image(image, text);
}

}  // namespace lorastudio
