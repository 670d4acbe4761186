#include "core/formats/adapter_io.h"

#include <filesystem>

#include "core/formats/diffusers_format.h"
#include "core/formats/kohya_format.h"
#include "core/formats/peft_format.h"
#include "core/io/safetensors_reader.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio {

const char* format_name(AdapterFormat format) {
  switch (format) {
    case AdapterFormat::Peft: return "peft";
    case AdapterFormat::Diffusers: return "diffusers";
    case AdapterFormat::Kohya: return "kohya";
  }
  return "?";
}

std::optional<AdapterFormat> parse_format_name(const std::string& name) {
  if (name == "peft") return AdapterFormat::Peft;
  if (name == "diffusers") return AdapterFormat::Diffusers;
  if (name == "kohya") return AdapterFormat::Kohya;
  return std::nullopt;
}

namespace {

AdapterFormat detect_file_format(const std::string& file) {
  SafetensorsReader reader(file);
  const auto names = reader.names();
  if (names.empty()) throw FileError(file, "holds no tensors");
  const std::string& first = names.front();
  if (first.rfind("base_model.model.", 0) == 0) return AdapterFormat::Peft;
  if (is_kohya_lora_key(first)) return AdapterFormat::Kohya;
  if (is_diffusers_lora_key(first)) return AdapterFormat::Diffusers;
  for (const auto& n : names) {  // the first key may be an alpha or a saved module
    if (n.rfind("base_model.model.", 0) == 0) return AdapterFormat::Peft;
    if (is_kohya_lora_key(n)) return AdapterFormat::Kohya;
    if (is_diffusers_lora_key(n)) return AdapterFormat::Diffusers;
  }
  throw FileError(file, "is not a LoRA adapter in a known format (no PEFT, diffusers or kohya LoRA keys; first key \"" +
                            first + "\")");
}

}  // namespace

AdapterFormat detect_adapter_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileError(path, "no such file or directory");
  if (fs::is_directory(path)) {
    const fs::path dir(path);
    if (fs::exists(dir / "adapter_config.json") || fs::exists(dir / "adapter_model.safetensors"))
      return AdapterFormat::Peft;
    if (fs::exists(dir / "pytorch_lora_weights.safetensors")) return AdapterFormat::Diffusers;
    std::vector<fs::path> candidates;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".safetensors") candidates.push_back(e.path());
    if (candidates.size() == 1) return detect_file_format(candidates.front().string());
    if (candidates.empty())
      throw FileError(path, "holds no adapter (no adapter_config.json, pytorch_lora_weights.safetensors or .safetensors file)");
    throw FileError(path, "holds several .safetensors files; name the one to read");
  }
  return detect_file_format(path);
}

LoadedAdapter load_adapter(const std::string& path) {
  const AdapterFormat format = detect_adapter_format(path);
  std::string file = path;
  if (fs::is_directory(path) && format == AdapterFormat::Kohya) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.path().extension() == ".safetensors") file = e.path().string();
  }
  LoadedAdapter loaded;
  switch (format) {
    case AdapterFormat::Peft: loaded = read_peft_adapter(path); break;
    case AdapterFormat::Diffusers: loaded = read_diffusers_adapter(path); break;
    case AdapterFormat::Kohya: loaded = read_kohya_adapter(file); break;
  }
  loaded.adapter.require_finite(loaded.weights_path.empty() ? path : loaded.weights_path);
  return loaded;
}

SaveResult save_adapter(const LoraAdapter& adapter, AdapterFormat format, const std::string& path,
                        const SaveOptions& options) {
  adapter.require_finite(path);  // never write NaN or Inf where a user would load it
  switch (format) {
    case AdapterFormat::Peft:
      if (fs::path(path).extension() == ".safetensors")
        throw FileError(path, "a PEFT adapter is a directory (adapter_config.json + adapter_model.safetensors); give a directory");
      return write_peft_adapter(adapter, path);
    case AdapterFormat::Diffusers: return write_diffusers_adapter(adapter, path, options.component);
    case AdapterFormat::Kohya: return write_kohya_adapter(adapter, path, options.component);
  }
  throw FileError(path, "unknown format");
}

}  // namespace lorastudio
