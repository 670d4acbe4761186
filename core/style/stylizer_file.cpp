#include "core/style/stylizer_file.h"

#include "core/generator/module_weights.h"
#include "core/io/safetensors_reader.h"
#include "core/util/error.h"

namespace lorastudio {

namespace {

constexpr const char* kFormat = "lora-studio-stylizer";

int64_t metadata_int(const std::map<std::string, std::string>& md, const std::string& key, const std::string& path) {
  const auto it = md.find(key);
  if (it == md.end()) throw FileError(path, "stylizer metadata has no \"" + key + "\"");
  try {
    size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= 0 && v <= 4096) return v;
  } catch (const std::exception&) {
  }
  throw FileError(path, "stylizer metadata \"" + key + "\" is not a size: \"" + it->second + "\"");
}

}  // namespace

void save_stylizer(const Stylizer& stylizer, const std::string& path, std::map<std::string, std::string> metadata) {
  metadata["format"] = kFormat;
  metadata["channels"] = std::to_string(stylizer->config.channels);
  metadata["blocks"] = std::to_string(stylizer->config.blocks);
  save_module_weights(*stylizer, path, metadata);
}

Stylizer load_stylizer(const std::string& path) {
  const SafetensorsReader reader(path);
  const auto& md = reader.metadata();
  const auto format = md.find("format");
  if (format == md.end() || format->second != kFormat)
    throw FileError(path, "not a stylizer weights file (metadata \"format\" is not \"lora-studio-stylizer\"); "
                          "lora-studio-cli pretrain-stylizer writes one");
  StylizerConfig config;
  config.channels = metadata_int(md, "channels", path);
  config.blocks = metadata_int(md, "blocks", path);
  if (config.channels < 1) throw FileError(path, "stylizer metadata \"channels\" must be positive");
  Stylizer stylizer(config);
  load_module_weights(*stylizer, path);
  stylizer->eval();
  return stylizer;
}

}  // namespace lorastudio
