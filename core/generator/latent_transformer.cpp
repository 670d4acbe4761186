#include "core/generator/latent_transformer.h"

#include <cmath>

namespace lorastudio {
namespace {

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

torch::nn::LayerNorm plain_norm(int64_t d) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).elementwise_affine(false).eps(1e-6));
}

}  // namespace

AdaLnBlockImpl::AdaLnBlockImpl(int64_t d, int64_t h, int64_t emb_dim) : heads(h) {
  norm1 = register_module("norm1", plain_norm(d));
  qkv = register_module("qkv", torch::nn::Linear(d, 3 * d));
  proj = register_module("proj", torch::nn::Linear(d, d));
  norm2 = register_module("norm2", plain_norm(d));
  fc1 = register_module("fc1", torch::nn::Linear(d, 4 * d));
  fc2 = register_module("fc2", torch::nn::Linear(4 * d, d));
  modulation = register_module("modulation", torch::nn::Linear(emb_dim, 6 * d));
  torch::NoGradGuard no_grad;
  modulation->weight.zero_();  // adaLN-Zero: every block starts as the identity
  modulation->bias.zero_();
}

torch::Tensor AdaLnBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  auto m = modulation->forward(torch::silu(emb)).chunk(6, 1);
  const int64_t b = x.size(0), n = x.size(1), d = x.size(2), hd = d / heads;
  torch::Tensor h = modulate(norm1->forward(x), m[0], m[1]);
  auto q_k_v = qkv->forward(h).view({b, n, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  torch::Tensor att = torch::softmax(torch::matmul(q_k_v[0], q_k_v[1].transpose(-2, -1)) / std::sqrt(double(hd)), -1);
  torch::Tensor a = torch::matmul(att, q_k_v[2]).transpose(1, 2).reshape({b, n, d});
  torch::Tensor out = x + m[2].unsqueeze(1) * proj->forward(a);
  h = modulate(norm2->forward(out), m[3], m[4]);
  return out + m[5].unsqueeze(1) * fc2->forward(torch::gelu(fc1->forward(h), "tanh"));
}

LatentTransformerImpl::LatentTransformerImpl(DenoiserConfig c) : config(std::move(c)) {
  const int64_t e = config.emb_dim, d = config.d_model;
  const int64_t tokens = config.latent_length / config.token_patch;
  time_mlp = register_module("time_mlp", torch::nn::Sequential(torch::nn::Linear(e, e), torch::nn::SiLU(), torch::nn::Linear(e, e)));
  cond_mlp = register_module("cond_mlp", torch::nn::Sequential(torch::nn::Linear(config.cond_dim, e), torch::nn::SiLU(), torch::nn::Linear(e, e)));
  null_cond = register_parameter("null_cond", torch::zeros({config.cond_dim}));
  pos_embed = register_parameter("pos_embed", torch::randn({1, tokens, d}) * 0.02);
  token_in = register_module("token_in", torch::nn::Linear(config.latent_channels * config.token_patch, d));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.depth; ++i) blocks->push_back(AdaLnBlock(d, config.heads, e));
  final_norm = register_module("final_norm", plain_norm(d));
  final_modulation = register_module("final_modulation", torch::nn::Linear(e, 2 * d));
  token_out = register_module("token_out", torch::nn::Linear(d, config.latent_channels * config.token_patch));
  torch::NoGradGuard no_grad;
  final_modulation->weight.zero_();
  final_modulation->bias.zero_();
  token_out->weight.zero_();
  token_out->bias.zero_();
}

torch::Tensor LatentTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) {
  const int64_t b = x.size(0), c = x.size(1), l = x.size(2), p = config.token_patch;
  torch::Tensor emb = time_mlp->forward(timestep_embedding(t, config.emb_dim).to(x.dtype())) +
                      cond_mlp->forward(cond.to(x.dtype()));
  // [B, C, L] -> [B, L/p, C*p]
  torch::Tensor h = x.view({b, c, l / p, p}).permute({0, 2, 1, 3}).reshape({b, l / p, c * p});
  h = token_in->forward(h) + pos_embed;
  for (const auto& block : *blocks) h = block->as<AdaLnBlockImpl>()->forward(h, emb);
  auto m = final_modulation->forward(torch::silu(emb)).chunk(2, 1);
  h = token_out->forward(modulate(final_norm->forward(h), m[0], m[1]));
  return h.view({b, l / p, c, p}).permute({0, 2, 1, 3}).reshape({b, c, l});
}

}  // namespace lorastudio
