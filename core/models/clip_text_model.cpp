#include "core/models/clip_text_model.h"

#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/models/attention.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

std::string ClipTextConfig::summary() const {
  return "clip text: " + std::to_string(num_layers) + " layers, hidden " + std::to_string(hidden_size) + ", " +
         std::to_string(num_heads) + " heads, projection " + std::to_string(projection_dim);
}

ClipTextConfig ClipTextConfig::from(const HfConfig& hf) {
  const nlohmann::json& j = hf.model_type == "clip" && hf.json.contains("text_config") ? hf.json["text_config"] : hf.json;
  if (!hf.model_type.empty() && hf.model_type != "clip" && hf.model_type != "clip_text_model") {
    throw FileError(hf.path, "describes a '" + hf.model_type + "' model, not CLIP's text encoder");
  }
  JsonReader r(j, hf.path, hf.model_type == "clip" ? "text_config" : "");
  ClipTextConfig c;
  read_transformer_shape(r, c);
  r.read("projection_dim", c.projection_dim, 1, 1 << 16);
  if (hf.model_type == "clip" && hf.json.contains("projection_dim")) c.projection_dim = hf.json["projection_dim"];
  r.read("eos_token_id", c.eos_token_id, 0, 1 << 24);
  return c;
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config) : config_(config) {
  auto text_model = child_module(*this, "text_model");
  auto embeddings = child_module(*text_model, "embeddings");
  const int64_t h = config.hidden_size;
  token_embedding_ = embeddings->register_module("token_embedding", torch::nn::Embedding(config.vocab_size, h));
  position_embedding_ = embeddings->register_module("position_embedding", torch::nn::Embedding(config.max_positions, h));
  auto stack = child_module(*child_module(*text_model, "encoder"), "layers");
  auto norm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({h}).eps(config.layer_norm_eps)); };
  for (int64_t i = 0; i < config.num_layers; ++i) {
    auto layer = child_module(*stack, std::to_string(i));
    auto attn = child_module(*layer, "self_attn");
    auto mlp = child_module(*layer, "mlp");
    Layer l;
    l.q = attn->register_module("q_proj", AdaptableLinear(h, h));
    l.k = attn->register_module("k_proj", AdaptableLinear(h, h));
    l.v = attn->register_module("v_proj", AdaptableLinear(h, h));
    l.out = attn->register_module("out_proj", AdaptableLinear(h, h));
    l.norm1 = layer->register_module("layer_norm1", norm());
    l.fc1 = mlp->register_module("fc1", AdaptableLinear(h, config.intermediate_size));
    l.fc2 = mlp->register_module("fc2", AdaptableLinear(config.intermediate_size, h));
    l.norm2 = layer->register_module("layer_norm2", norm());
    layers_.push_back(l);
  }
  final_norm_ = text_model->register_module("final_layer_norm", norm());
  projection_ = register_module("text_projection", AdaptableLinear(h, config.projection_dim, false));
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  const int64_t length = input_ids.size(1);
  if (length > config_.max_positions) {
    throw Error("the text is " + std::to_string(length) + " tokens long; CLIP takes at most " +
                std::to_string(config_.max_positions));
  }
  auto positions = torch::arange(length, input_ids.options()).unsqueeze(0);
  auto x = token_embedding_(input_ids) + position_embedding_(positions);
  torch::Tensor mask = attention_mask.defined() ? padding_mask(attention_mask, x.scalar_type()) : torch::Tensor();
  const int64_t heads = config_.num_heads;
  for (Layer& l : layers_) {
    auto n = l.norm1(x);
    x = x + l.out(merge_heads(attend(split_heads(l.q(n), heads), split_heads(l.k(n), heads),
                                     split_heads(l.v(n), heads), {mask, true})));
    x = x + l.fc2(activate(l.fc1(l.norm2(x)), config_.hidden_act));
  }
  ClipTextOutput out;
  out.last_hidden_state = final_norm_(x);
  auto eos_at = input_ids.eq(config_.eos_token_id).to(torch::kInt).argmax(-1);  // the first end token of each row
  out.pooled = out.last_hidden_state.index({torch::arange(input_ids.size(0), input_ids.options()), eos_at});
  out.text_embeds = projection_(out.pooled);
  return out;
}

ClipTextModel load_clip_text_model(const std::string& path) {
  HfConfig hf = read_hf_config_of_model(path);
  ClipTextConfig config = ClipTextConfig::from(hf);
  ClipTextModel model(config);
  CheckpointReader checkpoint(path);
  WeightLoadOptions options;
  options.ignored = {"embeddings.position_ids"};
  // A whole CLIP checkpoint also holds the vision tower and logit_scale: only the text side is read.
  for (const std::string& name : checkpoint.names()) {
    if (name.rfind("vision_model.", 0) == 0 || name == "visual_projection.weight" || name == "logit_scale") {
      options.ignored.push_back(name);
    }
  }
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  model->eval();
  return model;
}

}  // namespace lorastudio::models
