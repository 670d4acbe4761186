#pragma once
// CLIP's text encoder with its projection (transformers' CLIPTextModelWithProjection, eval mode): token and
// position embeddings, pre-norm blocks under a causal mask, the final layer norm, the hidden state pooled at the
// first end token and projected. Cond P-Diff encodes its task descriptions this way. Registered names are the
// checkpoint keys (text_model.encoder.layers.0.self_attn.q_proj.weight, text_projection.weight).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/activations.h"
#include "core/models/adaptable_linear.h"
#include "core/models/hf_config.h"

namespace lorastudio::models {

struct ClipTextConfig : TransformerShape {
  ClipTextConfig() : TransformerShape{49408, 512, 12, 8, 2048, 77, 1e-5, Activation::QuickGelu} {}
  int64_t projection_dim = 512, eos_token_id = 49407;
  std::string summary() const;
  static ClipTextConfig from(const HfConfig& config);  // a CLIPTextConfig, or a CLIPConfig's text_config
};

struct ClipTextOutput {
  torch::Tensor last_hidden_state;  // [batch, length, hidden]
  torch::Tensor pooled;             // [batch, hidden]: at each row's first end token
  torch::Tensor text_embeds;        // [batch, projection_dim]
};

class ClipTextModelImpl : public torch::nn::Module {
 public:
  explicit ClipTextModelImpl(const ClipTextConfig& config);
  ClipTextOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {});
  const ClipTextConfig& config() const { return config_; }

 private:
  struct Layer {
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr}, fc1{nullptr}, fc2{nullptr};
  };
  ClipTextConfig config_;
  torch::nn::Embedding token_embedding_{nullptr}, position_embedding_{nullptr};
  std::vector<Layer> layers_;
  torch::nn::LayerNorm final_norm_{nullptr};
  AdaptableLinear projection_{nullptr};
};
TORCH_MODULE(ClipTextModel);

ClipTextModel load_clip_text_model(const std::string& path);

}  // namespace lorastudio::models
