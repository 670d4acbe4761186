#include "core/generator/pretrained_condition_encoders.h"

#include <filesystem>

#include "core/models/bert_model.h"
#include "core/models/clip_text_model.h"
#include "core/models/resnet.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"

namespace lorastudio {

namespace {

// Moves the frozen model to the device of the encoder's anchor buffer the first time it is needed there.
template <typename Model>
void follow_anchor(Model& model, const torch::Tensor& anchor) {
  if (module_device(*model) != anchor.device()) model->to(anchor.device());
}

void require_text(const ConditionInput& c, const char* kind) {
  if (c.text.empty() && c.examples.empty()) throw Error(std::string(kind) + " condition encoder: a condition has no text");
}

// Padded batch of encodings as [batch, length] tensors.
std::pair<torch::Tensor, torch::Tensor> batch_of(const std::vector<text::Encoding>& encodings, int64_t pad_id) {
  size_t length = 0;
  for (const auto& e : encodings) length = std::max(length, e.size());
  auto ids = torch::full({static_cast<int64_t>(encodings.size()), static_cast<int64_t>(length)}, pad_id, torch::kLong);
  auto mask = torch::zeros_like(ids);
  for (size_t i = 0; i < encodings.size(); ++i) {
    for (size_t t = 0; t < encodings[i].size(); ++t) {
      ids[static_cast<int64_t>(i)][static_cast<int64_t>(t)] = encodings[i].ids[t];
      mask[static_cast<int64_t>(i)][static_cast<int64_t>(t)] = 1;
    }
  }
  return {ids, mask};
}

struct ClipTextConditionEncoderImpl : ConditionEncoderImpl {
  explicit ClipTextConditionEncoderImpl(const std::string& dir)
      : tokenizer(text::load_tokenizer(dir)), model(models::load_clip_text_model(dir)) {
    if (tokenizer->kind() != text::TokenizerKind::ClipBpe) {
      throw FileError(dir, "holds a " + text::to_string(tokenizer->kind()) + " tokenizer, not CLIP's");
    }
    anchor = register_buffer("device_anchor", torch::zeros({0}));
  }
  int64_t output_dim() const override { return model->config().projection_dim; }
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override {
    torch::NoGradGuard no_grad;
    follow_anchor(model, anchor);
    std::vector<text::Encoding> encodings;
    for (const auto& c : conditions) {
      require_text(c, "clip-text");
      encodings.push_back(tokenizer->encode(condition_text(c), {true, model->config().max_positions, true}));
    }
    auto [ids, mask] = batch_of(encodings, tokenizer->pad_token().id);
    auto embeds = model->forward(ids.to(anchor.device())).text_embeds;
    return torch::nn::functional::normalize(embeds, torch::nn::functional::NormalizeFuncOptions().dim(-1));
  }
  std::unique_ptr<text::Tokenizer> tokenizer;
  models::ClipTextModel model;
  torch::Tensor anchor;
};

struct BertMeanConditionEncoderImpl : ConditionEncoderImpl {
  explicit BertMeanConditionEncoderImpl(const std::string& dir)
      : tokenizer(text::load_tokenizer(dir)), model(models::load_bert_classifier(dir)) {
    anchor = register_buffer("device_anchor", torch::zeros({0}));
  }
  int64_t output_dim() const override { return model->config().hidden_size; }
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override {
    torch::NoGradGuard no_grad;
    follow_anchor(model, anchor);
    const auto& cfg = model->config();
    const int64_t max_length = cfg.max_positions - (cfg.roberta() ? cfg.pad_token_id + 1 : 0);
    std::vector<text::Encoding> encodings;
    for (const auto& c : conditions) {
      require_text(c, "bert-mean");
      std::string examples;
      for (const auto& e : c.examples) examples += (examples.empty() ? "" : " ") + e;
      encodings.push_back(examples.empty() ? tokenizer->encode(c.text, {true, max_length, false})
                                           : tokenizer->encode_pair(c.text, examples, {true, max_length, false}));
    }
    auto [ids, mask] = batch_of(encodings, tokenizer->pad_token().id);
    ids = ids.to(anchor.device());
    mask = mask.to(anchor.device());
    auto hidden = model->encoder()->forward(ids, mask).last_hidden_state;
    auto weights = mask.unsqueeze(-1).to(hidden.dtype());
    return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0);
  }
  std::unique_ptr<text::Tokenizer> tokenizer;
  models::BertClassifier model;
  torch::Tensor anchor;
};

struct ResNetConditionEncoderImpl : ConditionEncoderImpl {
  ResNetConditionEncoderImpl(const std::string& path, int64_t size)
      : model(models::load_resnet(resnet_file(path))), image_size(size) {
    anchor = register_buffer("device_anchor", torch::zeros({0}));
  }
  static std::string resnet_file(const std::string& path) {
    return std::filesystem::is_directory(path) ? (std::filesystem::path(path) / "model.safetensors").string() : path;
  }
  int64_t output_dim() const override { return 512; }
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override {
    torch::NoGradGuard no_grad;
    follow_anchor(model, anchor);
    namespace F = torch::nn::functional;
    std::vector<torch::Tensor> images;
    for (const auto& c : conditions) {
      if (!c.image.defined() || c.image.dim() != 3 || c.image.size(0) != 3)
        throw Error("resnet condition encoder: a condition has no [3, H, W] image");
      images.push_back(F::interpolate(c.image.to(anchor.device(), torch::kFloat).unsqueeze(0),
                                      F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{image_size, image_size})
                                          .mode(torch::kBilinear)
                                          .align_corners(false)));
    }
    auto mean = torch::tensor({0.485f, 0.456f, 0.406f}, anchor.device()).view({1, 3, 1, 1});
    auto std = torch::tensor({0.229f, 0.224f, 0.225f}, anchor.device()).view({1, 3, 1, 1});
    return model->forward((torch::cat(images, 0) - mean) / std).pooled;
  }
  models::ResNet model;
  int64_t image_size;
  torch::Tensor anchor;
};

}  // namespace

std::string condition_text(const ConditionInput& c) {
  std::string text = c.text;
  for (size_t i = 0; i < c.examples.size(); ++i) {
    text += (i == 0 ? (text.empty() ? "Examples: " : " Examples: ") : " | ") + c.examples[i];
  }
  return text;
}

std::shared_ptr<ConditionEncoderImpl> make_pretrained_condition_encoder(const ConditionEncoderConfig& c) {
  if (!std::filesystem::exists(c.model)) {
    throw FileError(c.model, "does not exist: the " + c.kind + " condition encoder needs its pretrained model here");
  }
  if (c.kind == "clip-text") return std::make_shared<ClipTextConditionEncoderImpl>(c.model);
  if (c.kind == "bert-mean") return std::make_shared<BertMeanConditionEncoderImpl>(c.model);
  if (c.kind == "resnet") return std::make_shared<ResNetConditionEncoderImpl>(c.model, c.image_size);
  throw Error("unknown pretrained condition encoder '" + c.kind + "'");
}

}  // namespace lorastudio
