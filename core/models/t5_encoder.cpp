#include "core/models/t5_encoder.h"

#include <cmath>
#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/models/attention.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

std::string T5Config::summary() const {
  return "t5 encoder: " + std::to_string(num_layers) + " layers, d_model " + std::to_string(d_model) + ", " +
         std::to_string(num_heads) + " heads of " + std::to_string(d_kv) + (gated ? ", gated" : "");
}

T5Config T5Config::from(const HfConfig& hf) {
  if (!hf.model_type.empty() && hf.model_type != "t5" && hf.model_type != "umt5") {
    throw FileError(hf.path, "describes a '" + hf.model_type + "' model, not T5");
  }
  JsonReader r = hf.reader();
  T5Config c;
  c.vocab_size = r.int_at("vocab_size", 1, 1 << 24);
  c.d_model = r.int_at("d_model", 1, 1 << 16);
  c.d_kv = r.int_at("d_kv", 1, 1 << 16);
  c.d_ff = r.int_at("d_ff", 1, 1 << 20);
  c.num_layers = r.int_at("num_layers", 1, 1024);
  c.num_heads = r.int_at("num_heads", 1, 1024);
  r.read("relative_attention_num_buckets", c.relative_attention_num_buckets, 2, 1 << 16);
  r.read("relative_attention_max_distance", c.relative_attention_max_distance, 1, 1 << 20);
  r.read("layer_norm_epsilon", c.layer_norm_epsilon, 0.0, 1.0, Bound::Open);
  std::string proj = "relu";
  r.read("feed_forward_proj", proj);
  c.gated = proj.rfind("gated-", 0) == 0;
  std::string act = c.gated ? proj.substr(6) : proj;
  if (hf.json.contains("dense_act_fn") && hf.json["dense_act_fn"].is_string()) act = hf.json["dense_act_fn"];
  if (act == "gelu" && c.gated) act = "gelu_new";  // transformers maps "gated-gelu" to gelu_new
  c.activation = activation_from_name(act, hf.path);
  return c;
}

torch::Tensor t5_relative_position_bucket(const torch::Tensor& relative_position, int64_t num_buckets,
                                          int64_t max_distance) {
  const int64_t half = num_buckets / 2, max_exact = half / 2;
  auto bucket = relative_position.gt(0).to(torch::kLong) * half;
  auto n = relative_position.abs();
  auto is_small = n.lt(max_exact);
  auto large = max_exact + (torch::log(n.to(torch::kFloat) / max_exact) /
                            std::log(static_cast<double>(max_distance) / max_exact) * (half - max_exact))
                               .to(torch::kLong);
  large = torch::clamp_max(large, half - 1);
  return bucket + torch::where(is_small, n, large);
}

T5EncoderImpl::T5EncoderImpl(const T5Config& config) : config_(config) {
  shared_ = register_module("shared", torch::nn::Embedding(config.vocab_size, config.d_model));
  auto encoder = child_module(*this, "encoder");
  auto stack = child_module(*encoder, "block");
  const int64_t d = config.d_model, inner = config.num_heads * config.d_kv;
  for (int64_t i = 0; i < config.num_layers; ++i) {
    auto block = child_module(*stack, std::to_string(i));
    auto layers = child_module(*block, "layer");
    auto attention_layer = child_module(*layers, "0");
    auto ff_layer = child_module(*layers, "1");
    auto attention = child_module(*attention_layer, "SelfAttention");
    auto ff = child_module(*ff_layer, "DenseReluDense");
    Block b;
    b.q = attention->register_module("q", AdaptableLinear(d, inner, false));
    b.k = attention->register_module("k", AdaptableLinear(d, inner, false));
    b.v = attention->register_module("v", AdaptableLinear(d, inner, false));
    b.o = attention->register_module("o", AdaptableLinear(inner, d, false));
    if (i == 0) {
      relative_attention_bias_ = attention->register_module(
          "relative_attention_bias", torch::nn::Embedding(config.relative_attention_num_buckets, config.num_heads));
    }
    b.attention_norm = attention_layer->register_module("layer_norm", std::make_shared<torch::nn::Module>())
                           ->register_parameter("weight", torch::ones({d}));
    if (config.gated) {
      b.wi_0 = ff->register_module("wi_0", AdaptableLinear(d, config.d_ff, false));
      b.wi_1 = ff->register_module("wi_1", AdaptableLinear(d, config.d_ff, false));
    } else {
      b.wi_0 = ff->register_module("wi", AdaptableLinear(d, config.d_ff, false));
    }
    b.wo = ff->register_module("wo", AdaptableLinear(config.d_ff, d, false));
    b.ff_norm = ff_layer->register_module("layer_norm", std::make_shared<torch::nn::Module>())
                    ->register_parameter("weight", torch::ones({d}));
    blocks_.push_back(b);
  }
  final_norm_ = encoder->register_module("final_layer_norm", std::make_shared<torch::nn::Module>())
                    ->register_parameter("weight", torch::ones({d}));
}

torch::Tensor T5EncoderImpl::rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const {
  auto variance = x.to(torch::kFloat).pow(2).mean(-1, true);
  return weight * (x.to(torch::kFloat) * torch::rsqrt(variance + config_.layer_norm_epsilon)).to(weight.dtype());
}

torch::Tensor T5EncoderImpl::position_bias(int64_t length, const torch::Device& device, torch::ScalarType dtype) {
  auto positions = torch::arange(length, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto relative = positions.unsqueeze(0) - positions.unsqueeze(1);  // [query, key]: key − query
  auto buckets = t5_relative_position_bucket(relative, config_.relative_attention_num_buckets,
                                             config_.relative_attention_max_distance);
  return relative_attention_bias_(buckets).permute({2, 0, 1}).unsqueeze(0).to(dtype);  // [1, heads, query, key]
}

torch::Tensor T5EncoderImpl::feed_forward(Block& b, const torch::Tensor& x) {
  auto h = activate(b.wi_0(x), config_.activation);
  if (config_.gated) h = h * b.wi_1(x);
  return b.wo(h);
}

torch::Tensor T5EncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto x = shared_(input_ids);
  auto bias = position_bias(input_ids.size(1), x.device(), x.scalar_type());
  if (attention_mask.defined()) bias = bias + padding_mask(attention_mask, x.scalar_type());
  const int64_t heads = config_.num_heads;
  for (Block& b : blocks_) {
    auto n = rms_norm(x, b.attention_norm);
    auto context = attend(split_heads(b.q(n), heads), split_heads(b.k(n), heads), split_heads(b.v(n), heads),
                          {bias, false}, 1.0);
    x = x + b.o(merge_heads(context));
    x = x + feed_forward(b, rms_norm(x, b.ff_norm));
  }
  return rms_norm(x, final_norm_);
}

T5Encoder load_t5_encoder(const std::string& path) {
  HfConfig hf = read_hf_config_of_model(path);
  T5Config config = T5Config::from(hf);
  T5Encoder model(config);
  CheckpointReader checkpoint(path);
  WeightLoadOptions options;
  options.ignored = {"encoder.embed_tokens.weight", "lm_head.weight"};
  // A whole T5 checkpoint also holds the decoder: only the encoder is read.
  for (const std::string& name : checkpoint.names()) {
    if (name.rfind("decoder.", 0) == 0) options.ignored.push_back(name);
  }
  // The token embedding is `shared.weight`, tied to `encoder.embed_tokens.weight`; a file may hold only the latter.
  const bool only_encoder_name = !checkpoint.contains("shared.weight") && checkpoint.contains("encoder.embed_tokens.weight");
  if (only_encoder_name) options.may_be_missing = {"shared."};
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  if (only_encoder_name) {
    torch::Tensor source = checkpoint.tensor("encoder.embed_tokens.weight");
    torch::Tensor target = model->named_parameters()["shared.weight"];
    if (source.sizes() != target.sizes()) {
      throw FileError(checkpoint.source_path(), "encoder.embed_tokens.weight is " + shape_text(source.sizes()) +
                                                    "; " + config.summary() + " needs " + shape_text(target.sizes()));
    }
    torch::NoGradGuard no_grad;
    target.copy_(source.to(target.dtype()));
  }
  model->eval();
  return model;
}

}  // namespace lorastudio::models
