#include "core/generator/unet1d.h"

namespace lorastudio {

namespace F = torch::nn::functional;

ResBlock1dImpl::ResBlock1dImpl(int64_t in, int64_t out, int64_t emb_dim, int64_t groups) {
  norm1 = register_module("norm1", torch::nn::GroupNorm(std::min(groups, in), in));
  conv1 = register_module("conv1", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, 3).padding(1)));
  emb_proj = register_module("emb_proj", torch::nn::Linear(emb_dim, 2 * out));
  norm2 = register_module("norm2", torch::nn::GroupNorm(std::min(groups, out), out));
  conv2 = register_module("conv2", torch::nn::Conv1d(torch::nn::Conv1dOptions(out, out, 3).padding(1)));
  if (in != out) skip = register_module("skip", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, 1)));
  torch::NoGradGuard no_grad;
  conv2->weight.zero_();  // each block starts as the identity
  conv2->bias.zero_();
}

torch::Tensor ResBlock1dImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  torch::Tensor h = conv1->forward(torch::silu(norm1->forward(x)));
  auto ss = emb_proj->forward(torch::silu(emb)).unsqueeze(-1).chunk(2, 1);
  h = norm2->forward(h) * (1 + ss[0]) + ss[1];
  h = conv2->forward(torch::silu(h));
  return h + (skip ? skip->forward(x) : x);
}

UNet1dImpl::UNet1dImpl(DenoiserConfig c) : config(std::move(c)) {
  const int64_t e = config.emb_dim;
  time_mlp = register_module("time_mlp", torch::nn::Sequential(torch::nn::Linear(e, e), torch::nn::SiLU(), torch::nn::Linear(e, e)));
  cond_mlp = register_module("cond_mlp", torch::nn::Sequential(torch::nn::Linear(config.cond_dim, e), torch::nn::SiLU(), torch::nn::Linear(e, e)));
  null_cond = register_parameter("null_cond", torch::zeros({config.cond_dim}));
  const auto& ch = config.channels;
  in_conv = register_module("in_conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(config.latent_channels, ch[0], 3).padding(1)));
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  downsamplers = register_module("downsamplers", torch::nn::ModuleList());
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  int64_t prev = ch[0];
  for (size_t i = 0; i < ch.size(); ++i) {
    down_blocks->push_back(ResBlock1d(prev, ch[i], e, config.groups));
    if (i + 1 < ch.size())
      downsamplers->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(ch[i], ch[i], 3).stride(2).padding(1)));
    prev = ch[i];
  }
  mid_block = register_module("mid_block", ResBlock1d(prev, prev, e, config.groups));
  for (size_t k = 0; k < ch.size(); ++k) {
    const size_t i = ch.size() - 1 - k;
    up_blocks->push_back(ResBlock1d(prev + ch[i], ch[i], e, config.groups));
    if (i > 0) upsamplers->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(ch[i], ch[i - 1], 3).padding(1)));
    prev = i > 0 ? ch[i - 1] : ch[i];
  }
  out_norm = register_module("out_norm", torch::nn::GroupNorm(std::min(config.groups, ch[0]), ch[0]));
  out_conv = register_module("out_conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(ch[0], config.latent_channels, 3).padding(1)));
  torch::NoGradGuard no_grad;
  out_conv->weight.zero_();
  out_conv->bias.zero_();
}

torch::Tensor UNet1dImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) {
  torch::Tensor emb = time_mlp->forward(timestep_embedding(t, config.emb_dim).to(x.dtype())) +
                      cond_mlp->forward(cond.to(x.dtype()));
  torch::Tensor h = in_conv->forward(x);
  std::vector<torch::Tensor> skips;
  const size_t levels = config.channels.size();
  for (size_t i = 0; i < levels; ++i) {
    h = down_blocks[i]->as<ResBlock1dImpl>()->forward(h, emb);
    skips.push_back(h);
    if (i + 1 < levels) h = downsamplers[i]->as<torch::nn::Conv1dImpl>()->forward(h);
  }
  h = mid_block->forward(h, emb);
  for (size_t k = 0; k < levels; ++k) {
    h = up_blocks[k]->as<ResBlock1dImpl>()->forward(torch::cat({h, skips[levels - 1 - k]}, 1), emb);
    if (k + 1 < levels) {
      h = F::interpolate(h, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0}).mode(torch::kNearest));
      h = upsamplers[k]->as<torch::nn::Conv1dImpl>()->forward(h);
    }
  }
  return out_conv->forward(torch::silu(out_norm->forward(h)));
}

}  // namespace lorastudio
