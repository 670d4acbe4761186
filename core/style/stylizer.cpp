#include "core/style/stylizer.h"

#include "core/util/error.h"

namespace lorastudio {
namespace {

namespace F = torch::nn::functional;

// A 'same' convolution.
torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding((kernel - 1) / 2));
}

}  // namespace

StylizerBlockImpl::StylizerBlockImpl(int64_t channels) {
  conv1 = register_module("conv1", conv(channels, channels, 3));
  conv2 = register_module("conv2", conv(channels, channels, 3));
}

torch::Tensor StylizerBlockImpl::forward(const torch::Tensor& x) {
  return x + conv2->forward(torch::silu(conv1->forward(torch::silu(x))));
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

torch::Tensor StylizerImpl::forward(const torch::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) % 2 || images.size(3) % 2)
    throw Error("stylizer: images must be [N, 3, H, W] with even H and W");
  const torch::Tensor skip = conv_in->forward(images);
  torch::Tensor h = torch::silu(down->forward(torch::silu(skip)));
  for (const auto& block : *blocks) h = block->as<StylizerBlockImpl>()->forward(h);
  h = F::interpolate(h, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
  h = torch::silu(up->forward(h)) + skip;
  return conv_out->forward(h);
}

int64_t StylizerImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace lorastudio
