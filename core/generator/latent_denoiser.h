#pragma once
// The conditional denoiser on the autoencoder's latent [B, C, L]: predicts epsilon or v from
// (x_t, t, condition features). Condition features [B, cond_dim] come from a condition encoder; a
// learned "null" condition stands in for dropped conditions (classifier-free guidance).
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace lorastudio {

struct DenoiserConfig {
  std::string kind = "unet";        // unet (Cond P-Diff) | transformer (LoRAGen-style, adaptive layer norm)
  int64_t latent_channels = 4;
  int64_t latent_length = 64;
  int64_t cond_dim = 256;           // condition feature size (set from the condition encoder)
  int64_t emb_dim = 256;            // time + condition embedding
  std::vector<int64_t> channels = {64, 128, 256};  // unet: per level
  int64_t groups = 8;               // unet: GroupNorm groups
  int64_t d_model = 256;            // transformer
  int64_t depth = 4;                // transformer blocks
  int64_t heads = 4;
  int64_t token_patch = 2;          // transformer: latent positions per token
  std::string prediction = "epsilon";  // epsilon | v_prediction

  nlohmann::json to_json() const;
  static DenoiserConfig from_json(const nlohmann::json& j, const std::string& label);
};

struct LatentDenoiserImpl : torch::nn::Module {
  // x [B,C,L], t [B] (int64 or float timesteps), cond [B, cond_dim] -> prediction [B,C,L]
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) = 0;
  // The learned null condition [cond_dim] (classifier-free guidance).
  virtual torch::Tensor null_condition() const = 0;
};

// Sinusoidal timestep embedding [B, dim] (as in DDPM / diffusers, flip_sin_to_cos = true).
torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period = 10000.0);

std::shared_ptr<LatentDenoiserImpl> make_denoiser(const DenoiserConfig& config);

}  // namespace lorastudio
