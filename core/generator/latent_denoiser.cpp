#include "core/generator/latent_denoiser.h"

#include <cmath>

#include "core/generator/latent_transformer.h"
#include "core/generator/unet1d.h"
#include "core/util/error.h"

namespace lorastudio {

nlohmann::json DenoiserConfig::to_json() const {
  return {{"kind", kind},       {"latent_channels", latent_channels}, {"latent_length", latent_length},
          {"cond_dim", cond_dim}, {"emb_dim", emb_dim},               {"channels", channels},
          {"groups", groups},   {"d_model", d_model},                 {"depth", depth},
          {"heads", heads},     {"token_patch", token_patch},         {"prediction", prediction}};
}

DenoiserConfig DenoiserConfig::from_json(const nlohmann::json& j, const std::string& label) {
  DenoiserConfig c;
  try {
    c.kind = j.value("kind", c.kind);
    c.latent_channels = j.value("latent_channels", c.latent_channels);
    c.latent_length = j.value("latent_length", c.latent_length);
    c.cond_dim = j.value("cond_dim", c.cond_dim);
    c.emb_dim = j.value("emb_dim", c.emb_dim);
    c.channels = j.value("channels", c.channels);
    c.groups = j.value("groups", c.groups);
    c.d_model = j.value("d_model", c.d_model);
    c.depth = j.value("depth", c.depth);
    c.heads = j.value("heads", c.heads);
    c.token_patch = j.value("token_patch", c.token_patch);
    c.prediction = j.value("prediction", c.prediction);
  } catch (const nlohmann::json::exception& e) {
    throw FileError(label, std::string("denoiser config: ") + e.what());
  }
  if (c.kind != "unet" && c.kind != "transformer")
    throw FileError(label, "denoiser config: kind must be unet or transformer (got \"" + c.kind + "\")");
  if (c.prediction != "epsilon" && c.prediction != "v_prediction")
    throw FileError(label, "denoiser config: prediction must be epsilon or v_prediction");
  if (c.kind == "transformer" && (c.d_model % c.heads != 0 || c.latent_length % c.token_patch != 0))
    throw FileError(label, "denoiser config: d_model must divide by heads and latent_length by token_patch");
  if (c.kind == "unet") {
    for (auto ch : c.channels)
      if (ch % c.groups != 0) throw FileError(label, "denoiser config: every unet channel count must divide by groups");
    const int64_t downs = static_cast<int64_t>(c.channels.size()) - 1;
    if (downs < 0 || c.latent_length % (int64_t(1) << std::max<int64_t>(downs, 0)) != 0)
      throw FileError(label, "denoiser config: latent_length must divide by 2^(levels-1)");
  }
  return c;
}

torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period) {
  const int64_t half = dim / 2;
  auto options = torch::TensorOptions().dtype(torch::kFloat).device(t.device());
  torch::Tensor freqs = torch::exp(-std::log(max_period) * torch::arange(half, options) / static_cast<double>(half));
  torch::Tensor args = t.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
  torch::Tensor emb = torch::cat({torch::cos(args), torch::sin(args)}, 1);
  if (dim % 2) emb = torch::nn::functional::pad(emb, torch::nn::functional::PadFuncOptions({0, 1}));
  return emb;
}

std::shared_ptr<LatentDenoiserImpl> make_denoiser(const DenoiserConfig& config) {
  if (config.kind == "transformer") return std::make_shared<LatentTransformerImpl>(config);
  return std::make_shared<UNet1dImpl>(config);
}

}  // namespace lorastudio
