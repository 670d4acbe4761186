#include "core/models/bert_pretraining.h"

#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/models/weight_loading.h"
#include "core/util/atomic_file.h"

namespace lorastudio::models {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// transformers' initialisation: normal(0, 0.02) weights and embeddings, zero biases, LayerNorms at (1, 0).
void initialise(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) {
    if (p.key().find("LayerNorm") != std::string::npos) continue;
    if (ends_with(p.key(), "bias")) p.value().zero_();
    else torch::nn::init::normal_(p.value(), 0.0, 0.02);
  }
}

}  // namespace

BertForPreTrainingImpl::BertForPreTrainingImpl(const BertConfig& config) : config_(config) {
  encoder_ = register_module("bert", BertEncoder(config, true));
  auto cls = child_module(*this, "cls");
  auto predictions = child_module(*cls, "predictions");
  auto transform = child_module(*predictions, "transform");
  const int64_t h = config.hidden_size;
  transform_ = transform->register_module("dense", torch::nn::Linear(h, h));
  transform_norm_ = transform->register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({h}).eps(config.layer_norm_eps)));
  bias_ = predictions->register_parameter("bias", torch::zeros({config.vocab_size}));
  seq_relationship_ = cls->register_module("seq_relationship", torch::nn::Linear(h, 2));
  initialise(*this);
}

PretrainingLogits BertForPreTrainingImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                                  const torch::Tensor& token_type_ids, const torch::Tensor& positions) {
  BertOutput out = encoder_(input_ids, attention_mask, token_type_ids);
  return {torch::nn::functional::linear(transformed(out.last_hidden_state, positions), encoder_->word_embedding_weight(), bias_),
          seq_relationship_(out.pooled)};
}

torch::Tensor BertForPreTrainingImpl::transformed(const torch::Tensor& hidden, const torch::Tensor& positions) {
  auto picked = hidden.reshape({-1, config_.hidden_size}).index_select(0, positions);
  return transform_norm_(activate(transform_(picked), config_.hidden_act));
}

torch::Tensor BertForPreTrainingImpl::candidate_logits(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                                       const torch::Tensor& token_type_ids, const torch::Tensor& positions,
                                                       const torch::Tensor& candidates) {
  BertOutput out = encoder_(input_ids, attention_mask, token_type_ids);
  return torch::nn::functional::linear(transformed(out.last_hidden_state, positions),
                                       encoder_->word_embedding_weight().index_select(0, candidates),
                                       bias_.index_select(0, candidates));
}

BertForPreTraining load_bert_for_pretraining(const std::string& path) {
  const BertConfig config = BertConfig::from(read_hf_config_of_model(path));
  BertForPreTraining model(config);
  CheckpointReader checkpoint(path);
  WeightLoadOptions options;
  options.may_be_missing = {"cls.seq_relationship.", "bert.pooler."};
  options.ignored = {"embeddings.position_ids", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"};
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  model->eval();
  return model;
}

void save_bert_folder(const std::string& dir, torch::nn::Module& model, const BertConfig& config,
                      const std::string& architecture) {
  std::filesystem::create_directories(dir);
  nlohmann::json json = config.to_json();
  json["architectures"] = {architecture};
  std::vector<NamedTensor> tensors;
  for (const auto& p : model.named_parameters()) tensors.push_back({p.key(), p.value().detach()});
  for (const auto& b : model.named_buffers()) tensors.push_back({b.key(), b.value()});
  write_safetensors((std::filesystem::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}});
  write_file_atomically((std::filesystem::path(dir) / "config.json").string(), json.dump(2) + "\n");
}

}  // namespace lorastudio::models
