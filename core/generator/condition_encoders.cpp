#include "core/generator/condition_encoders.h"

#include <cctype>
#include <cmath>

#include "core/generator/pretrained_condition_encoders.h"
#include "core/generator/style_condition_encoder.h"
#include "core/generator/word_vector_condition_encoder.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {
namespace {

uint64_t fnv1a(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

// Adds hashed word, word-bigram and character-trigram features of `text` with weight w.
void add_features(std::vector<float>& v, const std::string& text, float w) {
  const auto words = words_of(text);
  const uint64_t dim = v.size();
  auto add = [&](const std::string& feature, float weight) {
    const uint64_t h = fnv1a(feature, 0);
    v[h % dim] += ((h >> 63) ? -1.0f : 1.0f) * weight;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    add("w:" + words[i], w);
    if (i + 1 < words.size()) add("b:" + words[i] + " " + words[i + 1], 0.5f * w);
    const std::string padded = "^" + words[i] + "$";
    for (size_t k = 0; k + 3 <= padded.size(); ++k) add("c:" + padded.substr(k, 3), 0.25f * w);
  }
}

torch::Device device_of_anchor(const torch::Tensor& anchor) { return anchor.device(); }

}  // namespace

nlohmann::json ConditionEncoderConfig::to_json() const {
  nlohmann::json j = {{"kind", kind}, {"dim", dim}, {"num_tasks", num_tasks}, {"image_size", image_size}};
  if (!model.empty()) j["model"] = model;
  return j;
}

ConditionEncoderConfig ConditionEncoderConfig::from_json(const nlohmann::json& j, const std::string& label) {
  ConditionEncoderConfig c;
  const JsonReader r(j, label, "condition");
  r.only({"kind", "dim", "num_tasks", "image_size", "model"});
  r.read("kind", c.kind, {"text", "word-vectors", "image", "style", "onehot", "learned", "clip-text", "bert-mean", "resnet"});
  r.read("model", c.model);
  if (c.pretrained() && c.model.empty()) r.fail("model", c.kind + " needs the folder of its pretrained model");
  r.read("dim", c.dim, 1, 65536);
  r.read("num_tasks", c.num_tasks, 0, 1000000);
  r.read("image_size", c.image_size, 16, 1024);  // four stride-2 convolutions
  if ((c.kind == "onehot" || c.kind == "learned") && c.num_tasks <= 0)
    r.fail("num_tasks", c.kind + " needs num_tasks of 1 or more");
  return c;
}

torch::Device module_device(const torch::nn::Module& m) {
  for (const auto& p : m.parameters()) return p.device();
  for (const auto& b : m.buffers()) return b.device();
  return torch::kCPU;
}

HashedTextEncoderImpl::HashedTextEncoderImpl(int64_t d) : dim(d) {
  device_anchor = register_buffer("device_anchor", torch::zeros({0}));
}

torch::Tensor HashedTextEncoderImpl::encode_text(const std::string& text, const std::vector<std::string>& examples) const {
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  add_features(v, text, 1.0f);
  for (const auto& e : examples) add_features(v, e, 0.5f / std::max<size_t>(1, examples.size()));
  double norm = 0;
  for (float x : v) norm += double(x) * x;
  norm = std::sqrt(norm);
  torch::Tensor t = torch::from_blob(v.data(), {dim}, torch::kFloat).clone();
  return norm > 0 ? t / norm : t;
}

torch::Tensor HashedTextEncoderImpl::encode(const std::vector<ConditionInput>& conditions) {
  std::vector<torch::Tensor> rows;
  for (const auto& c : conditions) {
    if (c.text.empty() && c.examples.empty()) throw Error("text condition encoder: a condition has no text");
    rows.push_back(encode_text(c.text, c.examples));
  }
  return torch::stack(rows).to(device_of_anchor(device_anchor));
}

TaskOneHotEncoderImpl::TaskOneHotEncoderImpl(int64_t n) : num_tasks(n) {
  device_anchor = register_buffer("device_anchor", torch::zeros({0}));
}

torch::Tensor TaskOneHotEncoderImpl::encode(const std::vector<ConditionInput>& conditions) {
  torch::Tensor out = torch::zeros({static_cast<int64_t>(conditions.size()), num_tasks});
  for (size_t i = 0; i < conditions.size(); ++i) {
    const int64_t k = conditions[i].task_index;
    if (k < 0 || k >= num_tasks)
      throw Error("one-hot condition encoder: task index " + std::to_string(k) + " outside 0.." + std::to_string(num_tasks - 1));
    out[static_cast<int64_t>(i)][k] = 1.0f;
  }
  return out.to(device_of_anchor(device_anchor));
}

LearnedTaskEncoderImpl::LearnedTaskEncoderImpl(int64_t n, int64_t d) : dim(d) {
  table = register_module("table", torch::nn::Embedding(n, d));
}

torch::Tensor LearnedTaskEncoderImpl::encode(const std::vector<ConditionInput>& conditions) {
  std::vector<int64_t> idx;
  for (const auto& c : conditions) {
    if (c.task_index < 0 || c.task_index >= table->options.num_embeddings())
      throw Error("learned condition encoder: task index " + std::to_string(c.task_index) + " is not a trained task");
    idx.push_back(c.task_index);
  }
  torch::Tensor i = torch::tensor(idx, torch::kLong).to(table->weight.device());
  return table->forward(i);
}

ImageConditionEncoderImpl::ImageConditionEncoderImpl(int64_t d, int64_t size) : dim(d), image_size(size) {
  features = register_module("features", torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 32, 4).stride(2).padding(1)), torch::nn::SiLU(),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 4).stride(2).padding(1)), torch::nn::SiLU(),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 128, 4).stride(2).padding(1)), torch::nn::SiLU(),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 128, 4).stride(2).padding(1)), torch::nn::SiLU(),
      torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions({1, 1}))));
  head = register_module("head", torch::nn::Linear(128, d));
}

torch::Tensor ImageConditionEncoderImpl::encode(const std::vector<ConditionInput>& conditions) {
  namespace F = torch::nn::functional;
  const torch::Device device = head->weight.device();
  std::vector<torch::Tensor> images;
  for (const auto& c : conditions) {
    if (!c.image.defined() || c.image.dim() != 3 || c.image.size(0) != 3)
      throw Error("image condition encoder: a condition has no [3, H, W] image");
    images.push_back(F::interpolate(c.image.to(device, torch::kFloat).unsqueeze(0),
                                    F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{image_size, image_size})
                                        .mode(torch::kBilinear)
                                        .align_corners(false)));
  }
  torch::Tensor x = torch::cat(images, 0) * 2.0 - 1.0;
  return head->forward(features->forward(x).flatten(1));
}

std::shared_ptr<ConditionEncoderImpl> make_condition_encoder(const ConditionEncoderConfig& c) {
  if (c.pretrained()) return make_pretrained_condition_encoder(c);
  if (c.kind == "word-vectors") return make_word_vector_condition_encoder(c);
  if (c.kind == "image") return std::make_shared<ImageConditionEncoderImpl>(c.dim, c.image_size);
  if (c.kind == "style") return std::make_shared<StyleConditionEncoderImpl>(c.dim, c.image_size);
  if (c.kind == "onehot") return std::make_shared<TaskOneHotEncoderImpl>(c.num_tasks);
  if (c.kind == "learned") return std::make_shared<LearnedTaskEncoderImpl>(c.num_tasks, c.dim);
  return std::make_shared<HashedTextEncoderImpl>(c.dim);
}

}  // namespace lorastudio
