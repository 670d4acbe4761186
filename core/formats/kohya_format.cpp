#include "core/formats/kohya_format.h"

#include <cmath>
#include <filesystem>

#include "core/formats/kohya_names.h"
#include "core/formats/lora_config.h"
#include "core/formats/module_assembler.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

constexpr const char* kNamesKey = "lorastudio.kohya_names";  // {"<kohya module>": "<dotted path>"}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct ParsedKey {
  std::string module;  // "lora_unet_transformer_blocks_0_attn1_to_q"
  LoraPart part = LoraPart::A;
};

bool parse_key(const std::string& name, ParsedKey* out) {
  static const std::pair<const char*, LoraPart> kSuffixes[] = {
      {".lora_down.weight", LoraPart::A}, {".lora_up.weight", LoraPart::B}, {".alpha", LoraPart::Alpha},
      {".dora_scale", LoraPart::Magnitude}};
  for (const auto& [suffix, part] : kSuffixes) {
    if (!ends_with(name, suffix)) continue;
    out->module = name.substr(0, name.size() - std::string(suffix).size());
    out->part = part;
    std::string component, flat;
    return split_kohya_prefix(out->module, &component, &flat);
  }
  return false;
}

}  // namespace

bool is_kohya_lora_key(const std::string& name) {
  ParsedKey k;
  return parse_key(name, &k);
}

LoadedAdapter read_kohya_adapter(const std::string& path) {
  SafetensorsReader reader(path);
  const std::string& label = path;
  const auto& md = reader.metadata();
  nlohmann::json names = nlohmann::json::object();
  if (md.count(kNamesKey)) {
    names = parse_json(md.at(kNamesKey), label, std::string("metadata \"") + kNamesKey + "\"");
    if (!names.is_object())
      throw FileError(label, std::string("metadata \"") + kNamesKey + "\" is not a JSON object");
  }
  LoadedAdapter out;
  out.format = AdapterFormat::Kohya;
  out.weights_path = path;
  ModuleAssembler assembler(label);
  int uncertain = 0;
  for (const auto& name : reader.names()) {
    ParsedKey k;
    if (!parse_key(name, &k))
      throw FileError(label, "key \"" + name + "\" is not a kohya LoRA key (lora_unet_<module>.lora_down.weight)");
    std::string component, flat;
    split_kohya_prefix(k.module, &component, &flat);
    std::string dotted;
    auto known = names.find(k.module);
    if (known != names.end() && known->is_string()) {
      dotted = known->get<std::string>();
    } else {
      dotted = unflatten_kohya_name(flat);
      if (k.part == LoraPart::A && !kohya_name_is_certain(flat)) ++uncertain;
    }
    torch::Tensor t = reader.tensor(name);
    if (k.part == LoraPart::Magnitude) {
      if (!(t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1)))
        throw FileError(label, "key \"" + name + "\": only output-side DoRA scales [out, 1] are supported");
    }
    assembler.add(component == "unet" && md.count("lorastudio.component") ? md.at("lorastudio.component") : component,
                  dotted, k.part, t, name);
  }
  if (assembler.empty()) throw FileError(label, "has no LoRA weights");
  int without_alpha = 0;
  LoraAdapter& a = out.adapter;
  a.modules = assembler.finish([](const std::string&, int64_t rank) { return static_cast<double>(rank); },
                               &without_alpha);
  if (without_alpha > 0)
    out.notes.push_back("alpha is not stored for " + std::to_string(without_alpha) +
                        " module(s); assumed alpha = rank (scale 1), as kohya does");
  if (uncertain > 0)
    out.notes.push_back(std::to_string(uncertain) +
                        " module name(s) were rebuilt from kohya's flattened form by vocabulary and may differ "
                        "from the base model's names (weights are unaffected)");
  if (md.count("lorastudio.fan_in_fan_out")) a.fan_in_fan_out = md.at("lorastudio.fan_in_fan_out") == "true";
  if (md.count("lorastudio.use_rslora") && md.at("lorastudio.use_rslora") == "true") {
    // Written with alpha' = alpha·sqrt(r) so that kohya's alpha'/r equals rsLoRA's alpha/sqrt(r): undo it.
    a.use_rslora = true;
    for (auto& m : a.modules) m.alpha /= std::sqrt(static_cast<double>(m.rank()));
  }
  if (md.count("lorastudio.base_model")) a.base_model = md.at("lorastudio.base_model");
  if (md.count("lorastudio.task_type")) a.task_type = md.at("lorastudio.task_type");
  provenance_from_metadata(md, a);
  a.validate(label);
  return out;
}

SaveResult write_kohya_adapter(const LoraAdapter& adapter, const std::string& path, const std::string& component) {
  adapter.validate(path);
  fs::path file = fs::path(path);
  if (file.extension() != ".safetensors") {
    std::error_code ec;
    fs::create_directories(file, ec);
    if (ec) throw FileError(path, "cannot create the directory: " + ec.message());
    file /= "lora.safetensors";
  }
  SaveResult result;
  result.weights_path = file.string();
  const std::string fallback = component.empty() ? "unet" : component;
  std::vector<NamedTensor> tensors;
  nlohmann::json names = nlohmann::json::object();
  std::string written_component;
  for (const auto& m : adapter.modules) {
    const std::string comp = m.component.empty() ? fallback : m.component;
    const std::string module = kohya_prefix_for(comp) + flatten_kohya_name(m.path);
    if (names.contains(module))
      throw FileError(path, "modules " + names[module].get<std::string>() + " and " + m.path +
                                " flatten to the same kohya name " + module);
    names[module] = m.path;
    if (kohya_prefix_for(comp) == "lora_unet_") written_component = comp;
    // kohya has no rsLoRA: alpha' = alpha·sqrt(r) gives the same scale alpha'/r.
    const double alpha = adapter.use_rslora ? m.alpha * std::sqrt(static_cast<double>(m.rank())) : m.alpha;
    tensors.push_back({module + ".lora_down.weight", m.file_A()});
    tensors.push_back({module + ".lora_up.weight", m.file_B()});
    tensors.push_back({module + ".alpha", torch::tensor(static_cast<float>(alpha))});
    if (m.is_dora()) tensors.push_back({module + ".dora_scale", m.magnitude.reshape({-1, 1})});
  }
  const LoraConfig config = config_for(adapter);
  std::map<std::string, std::string> metadata{{"ss_network_module", "networks.lora"},
                                              {"ss_network_dim", std::to_string(config.r)},
                                              {"ss_network_alpha", std::to_string(config.lora_alpha)},
                                              {kNamesKey, names.dump()}};
  if (!written_component.empty() && written_component != "unet") metadata["lorastudio.component"] = written_component;
  if (adapter.use_rslora) metadata["lorastudio.use_rslora"] = "true";
  if (adapter.fan_in_fan_out) metadata["lorastudio.fan_in_fan_out"] = "true";
  if (!adapter.base_model.empty()) metadata["lorastudio.base_model"] = adapter.base_model;
  if (!adapter.task_type.empty()) metadata["lorastudio.task_type"] = adapter.task_type;
  provenance_to_metadata(adapter, metadata);
  if (!adapter.saved_modules.empty()) {
    std::string n;
    for (const auto& [name, t] : adapter.saved_modules) n += (n.empty() ? "" : ", ") + name;
    result.notes.push_back("modules_to_save (" + n + ") have no place in a kohya LoRA file and were not written");
  }
  write_safetensors(result.weights_path, tensors, metadata);
  return result;
}

}  // namespace lorastudio
