#pragma once
// A Hugging Face config.json, read with errors that name the file and the key. Each model family takes the keys it
// needs from it (bert_model.h, gpt2_model.h, …); keys it does not know are ignored, as transformers ignores them.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

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

}  // namespace lorastudio::models
