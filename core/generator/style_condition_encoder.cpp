#include "core/generator/style_condition_encoder.h"

#include "core/util/error.h"

namespace lorastudio {

namespace {

namespace F = torch::nn::functional;

constexpr int64_t kWidths[] = {32, 64, 96, 128};
constexpr int64_t kBins = 4;

torch::nn::Sequential stage(int64_t in, int64_t out) {
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1)), torch::nn::SiLU(),
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)), torch::nn::SiLU());
}

// Mean and standard deviation of every channel over space: [N, 2C].
torch::Tensor channel_statistics(const torch::Tensor& h) {
  const torch::Tensor flat = h.flatten(2);
  const torch::Tensor mean = flat.mean(2);
  const torch::Tensor spread = (flat - mean.unsqueeze(2)).pow(2).mean(2).add(1e-6).sqrt();
  return torch::cat({mean, spread}, 1);
}

}  // namespace

StyleConditionEncoderImpl::StyleConditionEncoderImpl(int64_t d, int64_t size) : dim(d), image_size(size) {
  if (d < 1 || size < 16) throw Error("style condition encoder: dim must be positive and image_size at least 16");
  stages = register_module("stages", torch::nn::ModuleList());
  int64_t in = 3, features = kBins * kBins * kBins + 6;
  for (int64_t w : kWidths) {
    stages->push_back(stage(in, w));
    in = w;
    features += 2 * w;
  }
  head = register_module("head", torch::nn::Sequential(torch::nn::Linear(features, d), torch::nn::SiLU(), torch::nn::Linear(d, d)));
}

torch::Tensor StyleConditionEncoderImpl::colour_statistics(const torch::Tensor& images) {
  // Soft histogram: each value spreads over its two nearest of kBins bin centres per channel (triangular kernel).
  const torch::Tensor centres = (torch::arange(kBins, images.options()) + 0.5) / static_cast<double>(kBins);
  const torch::Tensor x = images.flatten(2).unsqueeze(3);  // [N, 3, P, 1]
  const torch::Tensor w = (1 - (x - centres).abs() * static_cast<double>(kBins)).clamp_min(0);  // [N, 3, P, B]
  const torch::Tensor joint = torch::einsum("npa,npb,npc->nabc", {w.select(1, 0), w.select(1, 1), w.select(1, 2)});
  const torch::Tensor hist = joint.flatten(1) / static_cast<double>(x.size(2));
  const torch::Tensor flat = images.flatten(2);
  const torch::Tensor mean = flat.mean(2), spread = (flat - mean.unsqueeze(2)).pow(2).mean(2).add(1e-6).sqrt();
  return torch::cat({hist * static_cast<double>(kBins * kBins), mean, spread}, 1);
}

torch::Tensor StyleConditionEncoderImpl::encode(const std::vector<ConditionInput>& conditions) {
  const torch::Device device = module_device(*this);
  std::vector<torch::Tensor> images;
  for (const auto& c : conditions) {
    if (!c.image.defined() || c.image.dim() != 3 || c.image.size(0) != 3)
      throw Error("style condition encoder: a condition has no [3, H, W] image");
    images.push_back(F::interpolate(c.image.to(device, torch::kFloat).unsqueeze(0),
                                    F::InterpolateFuncOptions().size(std::vector<int64_t>{image_size, image_size}).mode(torch::kArea)));
  }
  const torch::Tensor x = torch::cat(images, 0).clamp(0, 1);
  std::vector<torch::Tensor> parts{colour_statistics(x)};
  torch::Tensor h = x * 2.0 - 1.0;
  for (const auto& s : *stages) {
    h = s->as<torch::nn::SequentialImpl>()->forward(h);
    parts.push_back(channel_statistics(h));
  }
  return head->forward(torch::cat(parts, 1));
}

}  // namespace lorastudio
