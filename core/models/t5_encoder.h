#pragma once
// T5's encoder (transformers' T5EncoderModel, eval mode), v1.1 (gated GELU) or v1.0 (ReLU): RMS layer norms
// without biases, unscaled attention with a relative position bias (bucketed distances, learned by the first block
// and shared by all), no biases anywhere. PixArt-α encodes its prompts this way. Registered names are the
// checkpoint keys (shared.weight, encoder.block.0.layer.0.SelfAttention.q.weight, …).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/activations.h"
#include "core/models/adaptable_linear.h"
#include "core/models/hf_config.h"

namespace lorastudio::models {

struct T5Config {
  int64_t vocab_size = 32128, d_model = 512, d_kv = 64, d_ff = 2048, num_layers = 8, num_heads = 6;
  int64_t relative_attention_num_buckets = 32, relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  bool gated = true;  // "gated-gelu" (v1.1) or "relu" (v1.0)
  Activation activation = Activation::GeluTanh;
  std::string summary() const;
  static T5Config from(const HfConfig& config);
};

// The bucket of each relative distance (key − query) as T5 computes it for its bidirectional encoder.
torch::Tensor t5_relative_position_bucket(const torch::Tensor& relative_position, int64_t num_buckets,
                                          int64_t max_distance);

class T5EncoderImpl : public torch::nn::Module {
 public:
  explicit T5EncoderImpl(const T5Config& config);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {});  // [b, l, d_model]
  const T5Config& config() const { return config_; }

 private:
  struct Block {
    torch::Tensor attention_norm, ff_norm;  // RMS norm weights
    AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};
  };
  torch::Tensor position_bias(int64_t length, const torch::Device& device, torch::ScalarType dtype);
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const;
  torch::Tensor feed_forward(Block& b, const torch::Tensor& x);

  T5Config config_;
  torch::nn::Embedding shared_{nullptr}, relative_attention_bias_{nullptr};
  std::vector<Block> blocks_;
  torch::Tensor final_norm_;
};
TORCH_MODULE(T5Encoder);

T5Encoder load_t5_encoder(const std::string& path);

}  // namespace lorastudio::models
