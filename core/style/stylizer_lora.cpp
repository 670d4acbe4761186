#include "core/style/stylizer_lora.h"

#include <cmath>

#include <torch/torch.h>

#include "core/math/lora_math.h"
#include "core/math/lora_math.h"
#include "core/util/error.h"

namespace lorastudio {

namespace {

const torch::nn::Conv2d* find_conv(const std::vector<std::pair<std::string, torch::nn::Conv2d>>& convs, const std::string& path) {
  for (const auto& [name, conv] : convs)
    if (name == path) return &conv;
  return nullptr;
}

}  // namespace

LoraAdapter new_style_lora(const Stylizer& stylizer, const StyleLoraConfig& config, uint64_t seed) {
  if (config.rank < 1) throw Error("style LoRA: the rank must be at least 1");
  const auto convs = stylizer->convolutions();
  std::vector<std::string> targets = config.targets;
  if (targets.empty())
    for (const auto& [name, conv] : convs) targets.push_back(name);
  torch::manual_seed(seed);
  LoraAdapter adapter;
  adapter.base_model = kStylizerBaseModel;
  adapter.target_modules = targets;
  for (const auto& path : targets) {
    const torch::nn::Conv2d* conv = find_conv(convs, path);
    if (!conv) throw Error("style LoRA: \"" + path + "\" is not a convolution of the stylizer");
    const torch::Tensor& w = (*conv)->weight;  // [out, in, kh, kw]
    LoraModule m;
    m.path = path;
    m.kernel_size = {w.size(2), w.size(3)};
    const int64_t fan_in = w.size(1) * w.size(2) * w.size(3);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));  // kaiming_uniform(a=√5), as PEFT
    m.A = torch::empty({config.rank, fan_in}).uniform_(-bound, bound);
    m.B = torch::zeros({w.size(0), config.rank});
    m.alpha = config.alpha;
    adapter.modules.push_back(std::move(m));
  }
  return adapter;
}

ConvDeltas conv_deltas(const Stylizer& stylizer, const LoraAdapter& adapter, const std::string& label) {
  const auto convs = stylizer->convolutions();
  ConvDeltas deltas;
  for (const auto& m : adapter.modules) {
    const torch::nn::Conv2d* conv = find_conv(convs, m.path);
    if (!conv) throw FileError(label, "module " + m.path + " is not a convolution of the stylizer");
    const torch::Tensor& w = (*conv)->weight;
    if (!m.is_conv() || m.out_features() != w.size(0) || m.in_channels() != w.size(1) ||
        m.kernel_size != std::vector<int64_t>{w.size(2), w.size(3)})
      throw FileError(label, "module " + m.path + " is " + m.shape_text() + " but the stylizer's convolution is " +
                                 std::to_string(w.size(0)) + "x" + std::to_string(w.size(1)) + "x" +
                                 std::to_string(w.size(2)) + "x" + std::to_string(w.size(3)));
    deltas[m.path] = delta_weight(adapter, m).to(w.device()).view(w.sizes());
  }
  return deltas;
}

torch::Tensor stylize(Stylizer& stylizer, const torch::Tensor& images, const LoraAdapter* adapter) {
  torch::NoGradGuard no_grad;
  const bool single = images.dim() == 3;
  const torch::Tensor x = single ? images.unsqueeze(0) : images;
  const ConvDeltas deltas = adapter ? conv_deltas(stylizer, *adapter) : ConvDeltas{};
  const torch::Tensor y = stylizer->forward(x.to(torch::kFloat), deltas).clamp(0, 1);
  return single ? y.squeeze(0) : y;
}

}  // namespace lorastudio
