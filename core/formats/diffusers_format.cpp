#include "core/formats/diffusers_format.h"

#include <filesystem>
#include <set>

#include "core/formats/lora_config.h"
#include "core/formats/module_assembler.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

constexpr const char* kWeightsName = "pytorch_lora_weights.safetensors";
constexpr const char* kAdapterMetadataKey = "lora_adapter_metadata";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct ParsedKey {
  std::string component, path;
  LoraPart part = LoraPart::A;
};

// Splits a diffusers key into component, module path and part; false if it is no LoRA key.
bool parse_key(const std::string& name, ParsedKey* out) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) return false;
  out->component = name.substr(0, dot);
  std::string rest = name.substr(dot + 1);
  struct Suffix {
    const char* text;
    LoraPart part;
  };
  static const Suffix kSuffixes[] = {
      {".lora_A.weight", LoraPart::A},           {".lora_B.weight", LoraPart::B},
      {".lora.down.weight", LoraPart::A},        {".lora.up.weight", LoraPart::B},
      {".lora_linear_layer.down.weight", LoraPart::A}, {".lora_linear_layer.up.weight", LoraPart::B},
      {".lora_magnitude_vector", LoraPart::Magnitude}, {".lora_magnitude_vector.weight", LoraPart::Magnitude},
      {".alpha", LoraPart::Alpha},
      {"_lora.down.weight", LoraPart::A},        {"_lora.up.weight", LoraPart::B},  // processor form
  };
  for (const auto& s : kSuffixes) {
    if (!ends_with(rest, s.text)) continue;
    std::string path = rest.substr(0, rest.size() - std::string(s.text).size());
    // Attention-processor form: <block>.processor.to_q_lora -> <block>.to_q ; to_out_lora -> to_out.0
    const std::string proc = ".processor.";
    auto p = path.find(proc);
    if (p != std::string::npos) {
      std::string leaf = path.substr(p + proc.size());
      if (ends_with(leaf, "_lora")) leaf = leaf.substr(0, leaf.size() - 5);
      if (leaf == "to_out") leaf = "to_out.0";
      path = path.substr(0, p) + "." + leaf;
    }
    out->path = path;
    out->part = s.part;
    return true;
  }
  return false;
}

// diffusers' lora_adapter_metadata: a LoraConfig dictionary, flat ("r") or per component ("transformer.r").
std::map<std::string, LoraConfig> configs_from_metadata(const std::map<std::string, std::string>& metadata,
                                                        const std::set<std::string>& components,
                                                        const std::string& label) {
  std::map<std::string, LoraConfig> out;
  auto it = metadata.find(kAdapterMetadataKey);
  if (it == metadata.end()) return out;
  const nlohmann::json j = parse_json(it->second, label, std::string("metadata \"") + kAdapterMetadataKey + "\"");
  if (!j.is_object())
    throw FileError(label, std::string("metadata \"") + kAdapterMetadataKey + "\" is not a JSON object");
  const std::string where = label + " (metadata " + kAdapterMetadataKey + ")";
  for (const auto& comp : components) {
    nlohmann::json sub = nlohmann::json::object();
    const std::string prefix = comp + ".";
    for (auto e = j.begin(); e != j.end(); ++e)
      if (e.key().rfind(prefix, 0) == 0) sub[e.key().substr(prefix.size())] = e.value();
    if (!sub.empty()) out[comp] = parse_lora_config(sub, where);
  }
  if (out.empty()) {  // flat form (a model's save_lora_adapter)
    LoraConfig c = parse_lora_config(j, where);
    for (const auto& comp : components) out[comp] = c;
  }
  return out;
}

}  // namespace

bool is_diffusers_lora_key(const std::string& name) {
  ParsedKey k;
  return parse_key(name, &k) && k.part != LoraPart::Alpha;
}

LoadedAdapter read_diffusers_adapter(const std::string& path) {
  const fs::path file = fs::is_directory(path) ? fs::path(path) / kWeightsName : fs::path(path);
  if (!fs::exists(file)) throw FileError(file.string(), "missing: a diffusers LoRA needs " + std::string(kWeightsName));
  SafetensorsReader reader(file.string());
  const std::string label = file.string();
  LoadedAdapter out;
  out.format = AdapterFormat::Diffusers;
  out.weights_path = label;
  ModuleAssembler assembler(label);
  std::set<std::string> components;
  for (const auto& name : reader.names()) {
    ParsedKey k;
    if (!parse_key(name, &k)) {
      if (ends_with(name, ".lora_B.bias") || ends_with(name, ".lora.up.bias"))
        throw FileError(label, "key \"" + name + "\": LoRA biases are not supported");
      throw FileError(label, "key \"" + name + "\" is not a diffusers LoRA key (<component>.<module>.lora_A.weight)");
    }
    components.insert(k.component);
    assembler.add(k.component, k.path, k.part, reader.tensor(name), name);
  }
  if (assembler.empty()) throw FileError(label, "has no LoRA weights");
  const auto configs = configs_from_metadata(reader.metadata(), components, label);
  int without_alpha = 0;
  LoraAdapter& a = out.adapter;
  // Without an .alpha tensor or a config, diffusers loads with alpha = rank (scale 1).
  a.modules = assembler.finish([](const std::string&, int64_t rank) { return static_cast<double>(rank); },
                               &without_alpha);
  for (auto& m : a.modules) {
    auto c = configs.find(m.component);
    if (c != configs.end() && !reader.contains(m.component + "." + m.path + ".alpha")) m.alpha = c->second.alpha_for(m.path);
  }
  if (!configs.empty()) {
    const LoraConfig& c = configs.begin()->second;
    a.use_rslora = c.use_rslora;
    a.target_modules = c.target_modules;
    for (const auto& [comp, cc] : configs) {
      LoraAdapter part;
      for (const auto& m : a.modules)
        if (m.component == comp) part.modules.push_back(m);
      check_against_config(part, cc, label + " (metadata " + kAdapterMetadataKey + ")");
    }
  } else if (without_alpha > 0) {
    out.notes.push_back("alpha is not stored for " + std::to_string(without_alpha) +
                        " module(s); assumed alpha = rank (scale 1), as diffusers does");
  }
  const auto& md = reader.metadata();
  if (md.count("lorastudio.fan_in_fan_out")) a.fan_in_fan_out = md.at("lorastudio.fan_in_fan_out") == "true";
  if (md.count("lorastudio.base_model")) a.base_model = md.at("lorastudio.base_model");
  if (md.count("lorastudio.task_type")) a.task_type = md.at("lorastudio.task_type");
  provenance_from_metadata(md, a);
  a.validate(label);
  return out;
}

SaveResult write_diffusers_adapter(const LoraAdapter& adapter, const std::string& path, const std::string& component) {
  adapter.validate(path);
  fs::path file = fs::path(path);
  if (file.extension() != ".safetensors") {
    std::error_code ec;
    fs::create_directories(file, ec);
    if (ec) throw FileError(path, "cannot create the directory: " + ec.message());
    file /= kWeightsName;
  }
  SaveResult result;
  result.weights_path = file.string();
  const std::string fallback = component.empty() ? "transformer" : component;
  std::vector<NamedTensor> tensors;
  std::map<std::string, LoraAdapter> by_component;
  for (const auto& m : adapter.modules) {
    const std::string comp = m.component.empty() ? fallback : m.component;
    const std::string base = comp + "." + m.path;
    tensors.push_back({base + ".lora_A.weight", m.file_A()});
    tensors.push_back({base + ".lora_B.weight", m.file_B()});
    if (m.is_dora()) tensors.push_back({base + ".lora_magnitude_vector", m.magnitude});
    LoraAdapter& part = by_component[comp];
    part.modules.push_back(m);
  }
  nlohmann::json meta = nlohmann::json::object();
  for (auto& [comp, part] : by_component) {
    part.use_rslora = adapter.use_rslora;
    part.target_modules = adapter.target_modules;
    const nlohmann::json cfg = to_peft_json(config_for(part));
    for (auto e = cfg.begin(); e != cfg.end(); ++e) meta[comp + "." + e.key()] = e.value();
  }
  std::map<std::string, std::string> metadata{{"format", "pt"}, {kAdapterMetadataKey, meta.dump(2)}};
  if (adapter.fan_in_fan_out) metadata["lorastudio.fan_in_fan_out"] = "true";
  if (!adapter.base_model.empty()) metadata["lorastudio.base_model"] = adapter.base_model;
  if (!adapter.task_type.empty()) metadata["lorastudio.task_type"] = adapter.task_type;
  provenance_to_metadata(adapter, metadata);
  if (!adapter.saved_modules.empty()) {
    std::string names;
    for (const auto& [n, t] : adapter.saved_modules) names += (names.empty() ? "" : ", ") + n;
    result.notes.push_back("modules_to_save (" + names + ") have no place in a diffusers LoRA file and were not written");
  }
  write_safetensors(result.weights_path, tensors, metadata);
  return result;
}

}  // namespace lorastudio
