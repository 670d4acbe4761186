#pragma once
// A Hugging Face config.json, read with errors that name the file and the key. Each model family takes the keys it
// needs from it (bert_model.h, gpt2_model.h, …); keys it does not know are ignored, as transformers ignores them.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/models/activations.h"
#include "core/util/json_reader.h"

namespace lorastudio::models {

struct HfConfig {
  nlohmann::json json;
  std::string path;        // the config.json read
  std::string model_type;  // "bert", "roberta", "gpt2", "clip_text_model", "t5", "resnet", … ("" when absent)
  JsonReader reader() const { return JsonReader(json, path); }
  // Number of labels of a classification head: num_labels, else the size of id2label, else `fallback`.
  int64_t num_labels(int64_t fallback = 2) const;
};

// `dir_or_file`: a model folder (its config.json) or the config file itself.
HfConfig read_hf_config(const std::filesystem::path& dir_or_file);
// The config of a model given as a folder or as its weights file (the config.json beside it).
HfConfig read_hf_config_of_model(const std::string& folder_or_weights);

// The keys BERT-like and CLIP-like configs share; each field keeps its default when its key is optional and absent.
struct TransformerShape {
  int64_t vocab_size = 0, hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0, max_positions = 512;
  double layer_norm_eps = 1e-12;
  Activation hidden_act = Activation::Gelu;
};
// vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size (required);
// max_position_embeddings, layer_norm_eps, hidden_act (optional); heads must divide the hidden size.
void read_transformer_shape(const JsonReader& r, TransformerShape& shape);

// A plain container module registered as `name` under `parent`, so that registered names nest as a checkpoint's
// keys do ("attention.self.query").
std::shared_ptr<torch::nn::Module> child_module(torch::nn::Module& parent, const std::string& name);

}  // namespace lorastudio::models
