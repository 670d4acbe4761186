#include "core/formats/peft_format.h"

#include <filesystem>
#include <set>

#include "core/formats/lora_config.h"
#include "core/formats/module_assembler.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

constexpr const char* kPrefix = "base_model.model.";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

LoadedAdapter read_peft_adapter(const std::string& path) {
  fs::path dir = fs::is_directory(path) ? fs::path(path) : fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const fs::path config_path = dir / "adapter_config.json";
  const fs::path weights_path = fs::is_directory(path) ? dir / "adapter_model.safetensors" : fs::path(path);
  if (!fs::exists(weights_path)) {
    if (fs::exists(dir / "adapter_model.bin"))
      throw FileError((dir / "adapter_model.bin").string(),
                      "pickled PyTorch weights are not read (unsafe); save the adapter with safe_serialization=True");
    throw FileError(weights_path.string(), "missing: a PEFT adapter needs adapter_model.safetensors");
  }
  if (!fs::exists(config_path))
    throw FileError(config_path.string(), "missing: a PEFT adapter needs its config (r, lora_alpha, target_modules)");

  const nlohmann::json j = parse_json(read_text_file(config_path.string()), config_path.string());
  const LoraConfig config = parse_lora_config(j, config_path.string());

  SafetensorsReader reader(weights_path.string());
  const std::string label = weights_path.string();
  LoadedAdapter out;
  out.format = AdapterFormat::Peft;
  out.weights_path = label;
  LoraAdapter& a = out.adapter;
  ModuleAssembler assembler(label);
  for (const auto& name : reader.names()) {
    if (name.rfind(kPrefix, 0) != 0)
      throw FileError(label, "key \"" + name + "\" does not start with \"base_model.model.\"; not a PEFT adapter");
    const std::string rest = name.substr(std::string(kPrefix).size());
    struct Suffix {
      const char* text;
      LoraPart part;
    };
    static const Suffix kSuffixes[] = {{".lora_A.weight", LoraPart::A},
                                       {".lora_B.weight", LoraPart::B},
                                       {".lora_magnitude_vector.weight", LoraPart::Magnitude},
                                       {".lora_magnitude_vector", LoraPart::Magnitude}};
    bool matched = false;
    for (const auto& s : kSuffixes) {
      if (ends_with(rest, s.text)) {
        const std::string module = rest.substr(0, rest.size() - std::string(s.text).size());
        assembler.add(config.component, module, s.part, reader.tensor(name), name);
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (ends_with(rest, ".lora_B.bias"))
      throw FileError(label, "key \"" + name + "\": LoRA biases (lora_bias=True) are not supported");
    if (rest.find("lora_embedding_") != std::string::npos)
      throw FileError(label, "key \"" + name + "\": embedding LoRA is not supported");
    // Anything else must belong to modules_to_save.
    bool saved = false;
    for (const auto& m : config.modules_to_save)
      if (rest.rfind(m + ".", 0) == 0 || rest.find("." + m + ".") != std::string::npos) saved = true;
    if (!saved)
      throw FileError(label, "key \"" + name + "\" is neither a LoRA weight nor in modules_to_save");
    a.saved_modules[rest] = reader.tensor(name);
  }
  if (assembler.empty()) throw FileError(label, "has no LoRA weights (no *.lora_A.weight keys)");
  a.modules = assembler.finish([&](const std::string& p, int64_t) { return config.alpha_for(p); });
  a.use_rslora = config.use_rslora;
  a.fan_in_fan_out = config.fan_in_fan_out;
  a.base_model = config.base_model;
  a.task_type = config.task_type;
  a.target_modules = config.target_modules;
  if (!config.target_regex.empty()) a.target_modules = {config.target_regex};
  provenance_from_metadata(reader.metadata(), a);
  auto comp = reader.metadata().find("lorastudio.component");
  if (comp != reader.metadata().end())
    for (auto& m : a.modules) m.component = comp->second;
  a.validate(label);
  check_against_config(a, config, config_path.string());
  return out;
}

SaveResult write_peft_adapter(const LoraAdapter& adapter, const std::string& directory) {
  adapter.validate(directory);
  for (const auto& m : adapter.modules)
    if (m.component != adapter.modules.front().component)
      throw FileError(directory, "a PEFT adapter wraps one model, but this adapter has modules of components \"" +
                                     adapter.modules.front().component + "\" and \"" + m.component +
                                     "\"; convert each component separately");
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw FileError(directory, "cannot create the directory: " + ec.message());

  std::vector<NamedTensor> tensors;
  for (const auto& m : adapter.modules) {
    tensors.push_back({kPrefix + m.path + ".lora_A.weight", m.file_A()});
    tensors.push_back({kPrefix + m.path + ".lora_B.weight", m.file_B()});
    if (m.is_dora()) tensors.push_back({kPrefix + m.path + ".lora_magnitude_vector", m.magnitude});
  }
  for (const auto& [name, t] : adapter.saved_modules) tensors.push_back({kPrefix + name, t});
  std::map<std::string, std::string> metadata{{"format", "pt"}};
  provenance_to_metadata(adapter, metadata);
  if (!adapter.modules.front().component.empty()) metadata["lorastudio.component"] = adapter.modules.front().component;

  SaveResult result;
  result.weights_path = (fs::path(directory) / "adapter_model.safetensors").string();
  write_safetensors(result.weights_path, tensors, metadata);
  LoraConfig config = config_for(adapter);
  if (!adapter.modules.front().component.empty()) config.component = adapter.modules.front().component;
  // PEFT's task types with a head (sequence and token classification, question answering) always put the head in
  // modules_to_save and expect its weights when loading: without them (an adapter that went through a kohya or
  // diffusers file, which cannot hold them) the task type must go, or peft fails with a KeyError.
  static const std::set<std::string> kHeadTasks = {"SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS"};
  if (adapter.saved_modules.empty() && kHeadTasks.count(config.task_type)) {
    result.notes.push_back("task_type " + config.task_type + " not written: its head (modules_to_save) is not in this adapter, "
                           "and peft would expect it; load it into the base model with its own head");
    config.task_type.clear();
  }
  write_file_atomically((fs::path(directory) / "adapter_config.json").string(), to_peft_json(config).dump(2) + "\n");
  return result;
}

}  // namespace lorastudio
