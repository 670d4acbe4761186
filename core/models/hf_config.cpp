#include "core/models/hf_config.h"

#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace lorastudio::models {

HfConfig read_hf_config(const std::filesystem::path& dir_or_file) {
  std::filesystem::path file = std::filesystem::is_directory(dir_or_file) ? dir_or_file / "config.json" : dir_or_file;
  if (!std::filesystem::is_regular_file(file)) {
    throw FileError(file.string(), "does not exist: a model folder needs the config.json that describes its shape");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  HfConfig c;
  c.path = file.string();
  c.json = parse_json(text.str(), c.path);
  if (!c.json.is_object()) throw FileError(c.path, "is not a JSON object");
  if (c.json.contains("model_type") && c.json["model_type"].is_string()) c.model_type = c.json["model_type"];
  return c;
}

HfConfig read_hf_config_of_model(const std::string& folder_or_weights) {
  std::filesystem::path p(folder_or_weights);
  return read_hf_config(std::filesystem::is_directory(p) ? p : p.parent_path());
}

void read_transformer_shape(const JsonReader& r, TransformerShape& s) {
  s.vocab_size = r.int_at("vocab_size", 1, 1 << 24);
  s.hidden_size = r.int_at("hidden_size", 1, 1 << 16);
  s.num_layers = r.int_at("num_hidden_layers", 1, 1024);
  s.num_heads = r.int_at("num_attention_heads", 1, 1024);
  s.intermediate_size = r.int_at("intermediate_size", 1, 1 << 20);
  r.read("max_position_embeddings", s.max_positions, 1, 1 << 20);
  r.read("layer_norm_eps", s.layer_norm_eps, 0.0, 1.0, Bound::Open);
  static const char* names[] = {"gelu", "gelu_new", "quick_gelu", "relu", "silu"};
  std::string act = names[static_cast<int>(s.hidden_act)];
  r.read("hidden_act", act);
  s.hidden_act = activation_from_name(act, r.label());
  if (s.hidden_size % s.num_heads != 0) {
    r.fail("num_attention_heads", "does not divide hidden_size " + std::to_string(s.hidden_size));
  }
}

std::shared_ptr<torch::nn::Module> child_module(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

int64_t HfConfig::num_labels(int64_t fallback) const {
  if (json.contains("num_labels") && json["num_labels"].is_number_integer()) return json["num_labels"];
  if (json.contains("id2label") && json["id2label"].is_object() && !json["id2label"].empty()) {
    return static_cast<int64_t>(json["id2label"].size());
  }
  return fallback;
}

}  // namespace lorastudio::models
