#include "core/models/bert_model.h"

#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/models/attention.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

namespace {

torch::nn::LayerNorm layer_norm(int64_t size, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({size}).eps(eps));
}

torch::Tensor drop(const torch::Tensor& x, double p, bool training) {
  return training && p > 0 ? torch::dropout(x, p, true) : x;
}

// Data pointer and version counter of each tensor: equal lists mean equal contents. Empty when one is an inference
// tensor (no version counter), which is never fused.
std::vector<std::pair<const void*, uint32_t>> identities(const std::vector<torch::Tensor>& tensors) {
  std::vector<std::pair<const void*, uint32_t>> ids;
  for (const torch::Tensor& t : tensors) {
    if (!t.defined() || t.is_inference()) return {};
    ids.emplace_back(t.data_ptr(), t._version());
  }
  return ids;
}

}  // namespace

std::string BertConfig::summary() const {
  return model_type + ": " + std::to_string(num_layers) + " layers, hidden " + std::to_string(hidden_size) + ", " +
         std::to_string(num_heads) + " heads, vocabulary " + std::to_string(vocab_size);
}

BertConfig BertConfig::from(const HfConfig& hf) {
  BertConfig c;
  JsonReader r = hf.reader();
  c.model_type = hf.model_type.empty() ? "bert" : hf.model_type;
  if (c.model_type != "bert" && c.model_type != "roberta") {
    throw FileError(hf.path, "describes a '" + c.model_type + "' model, not BERT or RoBERTa");
  }
  read_transformer_shape(r, c);
  r.read("type_vocab_size", c.type_vocab_size, 1, 1 << 16);
  r.read("pad_token_id", c.pad_token_id, 0, c.vocab_size - 1);
  c.num_labels = hf.num_labels(2);
  r.read("hidden_dropout_prob", c.hidden_dropout, 0.0, 1.0);
  r.read("attention_probs_dropout_prob", c.attention_dropout, 0.0, 1.0);
  c.classifier_dropout = c.hidden_dropout;
  if (hf.json.contains("classifier_dropout") && !hf.json["classifier_dropout"].is_null()) {
    r.read("classifier_dropout", c.classifier_dropout, 0.0, 1.0);
  }
  return c;
}

nlohmann::json BertConfig::to_json() const {
  static const char* acts[] = {"gelu", "gelu_new", "quick_gelu", "relu", "silu"};
  return {{"model_type", model_type},
          {"architectures", {roberta() ? "RobertaForSequenceClassification" : "BertForSequenceClassification"}},
          {"vocab_size", vocab_size}, {"hidden_size", hidden_size}, {"num_hidden_layers", num_layers},
          {"num_attention_heads", num_heads}, {"intermediate_size", intermediate_size},
          {"max_position_embeddings", max_positions}, {"type_vocab_size", type_vocab_size},
          {"pad_token_id", pad_token_id}, {"layer_norm_eps", layer_norm_eps},
          {"hidden_act", acts[static_cast<int>(hidden_act)]}, {"num_labels", num_labels},
          {"hidden_dropout_prob", hidden_dropout}, {"attention_probs_dropout_prob", attention_dropout},
          {"classifier_dropout", classifier_dropout}};
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& config, bool with_pooler) : config_(config) {
  const int64_t h = config.hidden_size;
  auto embeddings = child_module(*this, "embeddings");
  word_embeddings_ = embeddings->register_module("word_embeddings", torch::nn::Embedding(config.vocab_size, h));
  position_embeddings_ =
      embeddings->register_module("position_embeddings", torch::nn::Embedding(config.max_positions, h));
  token_type_embeddings_ =
      embeddings->register_module("token_type_embeddings", torch::nn::Embedding(config.type_vocab_size, h));
  embeddings_norm_ = embeddings->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
  auto stack = child_module(*child_module(*this, "encoder"), "layer");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    auto block = child_module(*stack, std::to_string(i));
    auto attention = child_module(*block, "attention");
    auto self = child_module(*attention, "self");
    auto attention_output = child_module(*attention, "output");
    Layer l;
    l.query = self->register_module("query", AdaptableLinear(h, h));
    l.key = self->register_module("key", AdaptableLinear(h, h));
    l.value = self->register_module("value", AdaptableLinear(h, h));
    l.attention_dense = attention_output->register_module("dense", AdaptableLinear(h, h));
    l.attention_norm = attention_output->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    l.intermediate = child_module(*block, "intermediate")->register_module("dense", AdaptableLinear(h, config.intermediate_size));
    auto output = child_module(*block, "output");
    l.output_dense = output->register_module("dense", AdaptableLinear(config.intermediate_size, h));
    l.output_norm = output->register_module("LayerNorm", layer_norm(h, config.layer_norm_eps));
    layers_.push_back(l);
  }
  if (with_pooler) pooler_ = child_module(*this, "pooler")->register_module("dense", AdaptableLinear(h, h));
}

torch::Tensor BertEncoderImpl::embed(const torch::Tensor& ids, const torch::Tensor& token_type_ids) {
  torch::Tensor positions;
  if (config_.roberta()) {  // RoBERTa counts the non-padding tokens from pad_token_id + 1
    auto real = ids.ne(config_.pad_token_id).to(torch::kLong);
    positions = torch::cumsum(real, 1) * real + config_.pad_token_id;
  } else {
    positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0).expand_as(ids);
  }
  // From the shape alone (no device sync, so a CUDA graph can capture the pass): RoBERTa's positions end at most
  // at length + pad.
  const int64_t usable = config_.max_positions - (config_.roberta() ? config_.pad_token_id + 1 : 0);
  if (ids.size(1) > usable) {
    throw Error("the text is " + std::to_string(ids.size(1)) + " tokens long; this model takes at most " +
                std::to_string(usable));
  }
  auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(ids);
  auto x = word_embeddings_(ids) + token_type_embeddings_(types) + position_embeddings_(positions);
  return drop(embeddings_norm_(x), config_.hidden_dropout, is_training());
}

std::array<torch::Tensor, 3> BertEncoderImpl::project_qkv(Layer& l, const torch::Tensor& x) {
  const int64_t heads = config_.num_heads;
  const bool apart = torch::GradMode::is_enabled() || !l.query->branches.empty() || !l.key->branches.empty() ||
                     !l.value->branches.empty();
  auto sources = apart ? decltype(l.fused.sources){}
                       : identities({l.query->weight, l.key->weight, l.value->weight, l.query->bias, l.key->bias,
                                     l.value->bias});
  torch::Tensor weight, bias;
  {
    std::lock_guard<std::mutex> lock(fused_mutex_);  // two threads may run one model
    if (sources.empty()) {
      l.fused = {};
    } else {
      if (sources != l.fused.sources) {
        l.fused.weight = torch::cat({l.query->weight, l.key->weight, l.value->weight});
        l.fused.bias = torch::cat({l.query->bias, l.key->bias, l.value->bias});
        l.fused.sources = std::move(sources);
      }
      weight = l.fused.weight;
      bias = l.fused.bias;
    }
  }
  if (!weight.defined()) {
    return {split_heads(l.query(x), heads), split_heads(l.key(x), heads), split_heads(l.value(x), heads)};
  }
  const int64_t h = config_.hidden_size;
  auto qkv = torch::nn::functional::linear(x, weight, bias);
  return {split_heads(qkv.narrow(-1, 0, h), heads), split_heads(qkv.narrow(-1, h, h), heads),
          split_heads(qkv.narrow(-1, 2 * h, h), heads)};
}

torch::Tensor BertEncoderImpl::run_layer(Layer& l, const torch::Tensor& x, const torch::Tensor& mask) {
  const bool training = is_training();
  auto [q, k, v] = project_qkv(l, x);
  auto context = attend(q, k, v, {mask, false}, 0.0, training ? config_.attention_dropout : 0.0);
  auto attended = l.attention_norm(drop(l.attention_dense(merge_heads(context)), config_.hidden_dropout, training) + x);
  auto hidden = activate(l.intermediate(attended), config_.hidden_act);
  return l.output_norm(drop(l.output_dense(hidden), config_.hidden_dropout, training) + attended);
}

BertOutput BertEncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    const torch::Tensor& token_type_ids) {
  auto x = embed(input_ids, token_type_ids);
  torch::Tensor mask = attention_mask.defined() ? padding_mask(attention_mask, x.scalar_type()) : torch::Tensor();
  for (Layer& l : layers_) x = run_layer(l, x, mask);
  BertOutput out{x, {}};
  if (pooler_) out.pooled = torch::tanh(pooler_(x.select(1, 0)));
  return out;
}

BertClassifierImpl::BertClassifierImpl(const BertConfig& config) : config_(config) {
  encoder_ = register_module(encoder_name(), BertEncoder(config, !config.roberta()));
  const int64_t h = config.hidden_size;
  if (config.roberta()) {
    auto head = child_module(*this, "classifier");
    head_dense_ = head->register_module("dense", AdaptableLinear(h, h));
    classifier_ = head->register_module("out_proj", AdaptableLinear(h, config.num_labels));
  } else {
    classifier_ = register_module("classifier", AdaptableLinear(h, config.num_labels));
  }
}

std::pair<BertOutput, torch::Tensor> BertClassifierImpl::forward_all(const torch::Tensor& input_ids,
                                                                     const torch::Tensor& attention_mask,
                                                                     const torch::Tensor& token_type_ids) {
  BertOutput out = encoder_(input_ids, attention_mask, token_type_ids);
  const double p = config_.classifier_dropout;
  const bool training = is_training();
  torch::Tensor logits =
      config_.roberta()
          ? classifier_(drop(torch::tanh(head_dense_(drop(out.last_hidden_state.select(1, 0), p, training))), p, training))
          : classifier_(drop(out.pooled, p, training));
  return {out, logits};
}

torch::Tensor BertClassifierImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                          const torch::Tensor& token_type_ids) {
  return forward_all(input_ids, attention_mask, token_type_ids).second;
}

BertClassifier load_bert_classifier(const std::string& path) {
  HfConfig hf = read_hf_config_of_model(path);
  BertConfig config = BertConfig::from(hf);
  BertClassifier model(config);
  CheckpointReader checkpoint(path);
  WeightLoadOptions options;
  options.optional_prefixes = {model->encoder_name() + "."};
  options.may_be_missing = {"classifier.", model->encoder_name() + ".pooler."};
  options.ignored = {"embeddings.position_ids", "cls.predictions.bias", "cls.predictions.transform.dense.weight",
                     "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
                     "cls.predictions.transform.LayerNorm.bias", "cls.predictions.decoder.weight",
                     "cls.predictions.decoder.bias", "cls.seq_relationship.weight", "cls.seq_relationship.bias",
                     "lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight",
                     "lm_head.layer_norm.bias", "lm_head.decoder.weight", "lm_head.decoder.bias", "lm_head.bias"};
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  model->eval();
  return model;
}

}  // namespace lorastudio::models
