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

int64_t HfConfig::num_labels(int64_t fallback) const {
  if (json.contains("num_labels") && json["num_labels"].is_number_integer()) return json["num_labels"];
  if (json.contains("id2label") && json["id2label"].is_object() && !json["id2label"].empty()) {
    return static_cast<int64_t>(json["id2label"].size());
  }
  return fallback;
}

}  // namespace lorastudio::models
