#include "core/generator/latent_denoiser.h"

#include <cmath>

#include "core/generator/latent_transformer.h"
#include "core/generator/unet1d.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {

nlohmann::json DenoiserConfig::to_json() const {
  return {{"kind", kind},       {"latent_channels", latent_channels}, {"latent_length", latent_length},
          {"cond_dim", cond_dim}, {"emb_dim", emb_dim},               {"channels", channels},
          {"groups", groups},   {"d_model", d_model},                 {"depth", depth},
          {"heads", heads},     {"token_patch", token_patch},         {"prediction", prediction}};
}

DenoiserConfig DenoiserConfig::from_json(const nlohmann::json& j, const std::string& label) {
  DenoiserConfig c;
  const JsonReader r(j, label, "denoiser");
  r.only({"kind", "latent_channels", "latent_length", "cond_dim", "emb_dim", "channels", "groups", "d_model", "depth",
          "heads", "token_patch", "prediction"});
  r.read("kind", c.kind, {"unet", "transformer"});
  r.read("latent_channels", c.latent_channels, 1, 1024);
  r.read("latent_length", c.latent_length, 1, 65536);
  r.read("cond_dim", c.cond_dim, 1, 65536);
  r.read("emb_dim", c.emb_dim, 2, 8192);
  r.read("channels", c.channels, 1, 8192);
  r.read("groups", c.groups, 1, 1024);
  r.read("d_model", c.d_model, 1, 8192);
  r.read("depth", c.depth, 1, 256);
  r.read("heads", c.heads, 1, 256);
  r.read("token_patch", c.token_patch, 1, 65536);
  r.read("prediction", c.prediction, {"epsilon", "v_prediction"});
  if (c.kind == "transformer") {
    if (c.d_model % c.heads != 0)
      r.fail("heads", std::to_string(c.heads) + " does not divide d_model = " + std::to_string(c.d_model));
    if (c.latent_length % c.token_patch != 0)
      r.fail("token_patch", std::to_string(c.token_patch) + " does not divide the latent length " + std::to_string(c.latent_length));
  }
  if (c.kind == "unet") {
    for (auto ch : c.channels)
      if (ch % c.groups != 0)
        r.fail("groups", std::to_string(c.groups) + " does not divide the channel count " + std::to_string(ch));
    const int64_t downs = static_cast<int64_t>(c.channels.size()) - 1;
    if (downs > 30 || c.latent_length % (int64_t(1) << downs) != 0)
      r.fail("channels", std::to_string(c.channels.size()) + " levels need a latent length divisible by 2^" +
                             std::to_string(downs) + " (latent length " + std::to_string(c.latent_length) + ")");
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
