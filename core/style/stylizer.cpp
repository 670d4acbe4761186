#include "core/style/stylizer.h"

#include "core/util/error.h"

namespace lorastudio {
namespace {

namespace F = torch::nn::functional;

// A 'same' convolution.
torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding((kernel - 1) / 2));
}

// conv(x) with W + deltas[name] when there is one.
torch::Tensor apply_conv(torch::nn::Conv2d conv, const torch::Tensor& x, const ConvDeltas& deltas,
                         const std::string& name) {
  const auto it = deltas.find(name);
  if (it == deltas.end()) return conv->forward(x);
  const auto& o = conv->options;
  return F::conv2d(x, conv->weight + it->second.to(conv->weight.dtype()),
                   F::Conv2dFuncOptions().bias(conv->bias).stride(o.stride()).padding(o.padding()));
}

}  // namespace

StylizerBlockImpl::StylizerBlockImpl(int64_t channels) {
  conv1 = register_module("conv1", conv(channels, channels, 3));
  conv2 = register_module("conv2", conv(channels, channels, 3));
}

torch::Tensor StylizerBlockImpl::forward(const torch::Tensor& x, const ConvDeltas& deltas, const std::string& prefix) {
  const torch::Tensor h = torch::silu(apply_conv(conv1, torch::silu(x), deltas, prefix + "conv1"));
  return x + apply_conv(conv2, h, deltas, prefix + "conv2");
}

StylizerImpl::StylizerImpl(StylizerConfig c) : config(c) {
  if (c.channels < 1 || c.blocks < 0) throw Error("stylizer: channels must be positive and blocks not negative");
  const int64_t ch = c.channels;
  conv_in = register_module("conv_in", conv(3, ch, 3));
  down = register_module("down", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, 2 * ch, 4).stride(2).padding(1)));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.blocks; ++i) blocks->push_back(StylizerBlock(2 * ch));
  up = register_module("up", conv(2 * ch, ch, 3));
  conv_out = register_module("conv_out", conv(ch, 3, 3));
}

torch::Tensor StylizerImpl::forward(const torch::Tensor& images, const ConvDeltas& deltas) {
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) % 2 || images.size(3) % 2)
    throw Error("stylizer: images must be [N, 3, H, W] with even H and W");
  const torch::Tensor skip = apply_conv(conv_in, images, deltas, "conv_in");
  torch::Tensor h = torch::silu(apply_conv(down, torch::silu(skip), deltas, "down"));
  for (size_t i = 0; i < blocks->size(); ++i)
    h = blocks[i]->as<StylizerBlockImpl>()->forward(h, deltas, "blocks." + std::to_string(i) + ".");
  h = F::interpolate(h, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
  h = torch::silu(apply_conv(up, h, deltas, "up")) + skip;
  return apply_conv(conv_out, h, deltas, "conv_out");
}

std::vector<std::pair<std::string, torch::nn::Conv2d>> StylizerImpl::convolutions() const {
  std::vector<std::pair<std::string, torch::nn::Conv2d>> out{{"conv_in", conv_in}, {"down", down}};
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto* b = blocks->ptr(i)->as<StylizerBlockImpl>();
    out.emplace_back("blocks." + std::to_string(i) + ".conv1", b->conv1);
    out.emplace_back("blocks." + std::to_string(i) + ".conv2", b->conv2);
  }
  out.emplace_back("up", up);
  out.emplace_back("conv_out", conv_out);
  return out;
}

int64_t StylizerImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace lorastudio
