#pragma once
// Parameter autoencoder of the p-diff / Cond P-Diff family: a 1D-CNN that compresses a flattened
// (normalised) LoRA parameter vector [B, D] into a small latent [B, C, L] and back.
//
// The vector is cut into patches of `patch` values that become the input channels of a strided
// Conv1d stack (stride 2 per level, instance or batch norm, LeakyReLU or ELU); the number of levels
// follows from D, so the same code serves a few thousand to about a million parameters per adapter
// (Cond P-Diff's PixArt setting: 516,096 -> 256-d latent). The decoder mirrors it with transposed
// convolutions. Training adds Gaussian noise to the input (0.001) and to the latent (e.g. 0.1), as
// p-diff does; an optional KL term turns it into a VAE.
//
// kind "pca": the latent is instead the first C·L principal components of the training zoo (fitted by SVD once,
// no training; stored as buffers), laid out so that latent position l holds components l·C … l·C + C − 1. A zoo
// of a few thousand checkpoints spans few directions: on the text world's zoo 512 components reconstruct it with
// a relative error under 1%, where the convolutional autoencoder of the same latent size left 66–69%.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace lorastudio {

struct AutoencoderConfig {
  std::string kind = "conv";        // conv | pca
  int64_t input_dim = 0;            // D
  int64_t patch = 64;               // values per input channel group
  std::vector<int64_t> channels = {128, 256, 256, 256};  // per level (the last repeats when there are more levels)
  int64_t latent_channels = 4;
  int64_t latent_length = 64;       // latent size = latent_channels * latent_length
  std::string norm = "instance";    // instance | batch | none
  std::string activation = "leaky_relu";  // leaky_relu | elu
  double input_noise = 0.001;
  double latent_noise = 0.1;
  double kl_weight = 0.0;           // > 0: the encoder also predicts a log-variance (VAE)
  // "all": the network sees all D coordinates. "varying": only those that vary over the training zoo (after
  // normalisation); the others are constant, so the decoder puts back 0 — their normalised value, i.e. the
  // zoo's constant — and spends no capacity on them (zoos of LoRA-FA adapters, whose A is shared, or of
  // adapters with frozen modules). Training sets active_dim and the kept coordinates (saved with the weights).
  // With "global" (or no) normalisation a shared value stays constant; per-task statistics would spread it.
  std::string coordinates = "all";
  int64_t active_dim = 0;           // "varying": how many coordinates the network sees (0 before training)

  int64_t network_dim() const { return active_dim > 0 ? active_dim : input_dim; }  // what the convolutions see
  int64_t levels() const;           // strided levels from padded D/patch down to latent_length
  int64_t padded_dim() const;       // patch * latent_length * 2^levels
  int64_t latent_dim() const { return latent_channels * latent_length; }
  nlohmann::json to_json() const;
  static AutoencoderConfig from_json(const nlohmann::json& j, const std::string& label);
};

struct AutoencoderOutput {
  torch::Tensor reconstruction;  // [B, D]
  torch::Tensor latent;          // [B, C, L] (the mean for a VAE)
  torch::Tensor kl;              // scalar; zero without a KL term
};

struct ParamAutoencoderImpl : torch::nn::Module {
  explicit ParamAutoencoderImpl(AutoencoderConfig config);

  torch::Tensor encode(const torch::Tensor& x);       // [B, D] -> [B, C, L] (mean)
  torch::Tensor decode(const torch::Tensor& z);       // [B, C, L] -> [B, D]
  // Training forward: noise on input and latent when is_training(); reparameterised for a VAE.
  AutoencoderOutput forward(const torch::Tensor& x);
  // kind "pca": fits the mean and the leading C·L principal directions of `x` [N, D] (normalised zoo rows; the
  // kept coordinates when there are). Fewer rows or coordinates than C·L leave the remaining directions zero.
  void fit_principal_components(const torch::Tensor& x);
  bool is_linear() const { return config_.kind == "pca"; }
  const AutoencoderConfig& config() const { return config_; }
  // "varying" coordinates: the indices ([active_dim], int64, ascending) of the coordinates the network sees.
  void set_kept_coordinates(const torch::Tensor& indices);

 private:
  torch::Tensor encode_stats(const torch::Tensor& x);  // [B, C or 2C, L]
  AutoencoderConfig config_;
  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};
  torch::Tensor kept_;  // buffer "kept_coordinates" when active_dim > 0
  torch::Tensor pc_mean_, pc_components_;  // kind "pca": buffers "principal_mean" [D'], "principal_components" [C·L, D']
};
TORCH_MODULE(ParamAutoencoder);

}  // namespace lorastudio
