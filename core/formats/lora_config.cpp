#include "core/formats/lora_config.h"

#include <algorithm>
#include <regex>
#include <set>

#include "core/util/error.h"

namespace lorastudio {
namespace {

// PEFT's get_pattern_key: an exact key first, else the first key K with re.match(r"(.*\.)?(K)$", path).
template <typename Map>
const typename Map::mapped_type* pattern_value(const Map& patterns, const std::string& path) {
  auto exact = patterns.find(path);
  if (exact != patterns.end()) return &exact->second;
  for (const auto& [key, value] : patterns) {
    try {
      if (std::regex_match(path, std::regex("(.*\\.)?(" + key + ")"))) return &value;
    } catch (const std::regex_error&) {
      const std::string suffix = "." + key;
      if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
        return &value;
    }
  }
  return nullptr;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T fallback, const std::string& label) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw FileError(label, std::string("config key \"") + key + "\" has the wrong type (" + it->type_name() + ")");
  }
}

}  // namespace

int64_t LoraConfig::rank_for(const std::string& path) const {
  const int64_t* v = pattern_value(rank_pattern, path);
  return v ? *v : r;
}

double LoraConfig::alpha_for(const std::string& path) const {
  const double* v = pattern_value(alpha_pattern, path);
  return v ? *v : lora_alpha;
}

bool LoraConfig::targets(const std::string& path) const {
  if (!target_regex.empty()) {
    if (target_regex == "all-linear") return true;
    try {
      return std::regex_match(path, std::regex(target_regex));
    } catch (const std::regex_error&) {
      return false;
    }
  }
  if (target_modules.empty()) return true;  // not stated: nothing to check against
  for (const auto& t : target_modules)
    if (path == t || ends_with(path, "." + t)) return true;
  return false;
}

std::string LoraConfig::describe_targets() const {
  if (!target_regex.empty()) return "\"" + target_regex + "\"";
  std::string s = "[";
  for (size_t i = 0; i < target_modules.size(); ++i) s += (i ? ", " : "") + target_modules[i];
  return s + "]";
}

LoraConfig parse_lora_config(const nlohmann::json& j, const std::string& label) {
  if (!j.is_object()) throw FileError(label, "LoRA config is not a JSON object");
  LoraConfig c;
  const std::string peft_type = get_or<std::string>(j, "peft_type", "LORA", label);
  if (peft_type != "LORA")
    throw FileError(label, "peft_type is \"" + peft_type + "\"; only LORA adapters are supported");
  c.r = get_or<int64_t>(j, "r", 8, label);
  c.lora_alpha = get_or<double>(j, "lora_alpha", 8.0, label);
  c.use_rslora = get_or<bool>(j, "use_rslora", false, label);
  c.use_dora = get_or<bool>(j, "use_dora", false, label);
  c.fan_in_fan_out = get_or<bool>(j, "fan_in_fan_out", false, label);
  c.rank_pattern = get_or<std::map<std::string, int64_t>>(j, "rank_pattern", {}, label);
  c.alpha_pattern = get_or<std::map<std::string, double>>(j, "alpha_pattern", {}, label);
  c.base_model = get_or<std::string>(j, "base_model_name_or_path", "", label);
  c.task_type = get_or<std::string>(j, "task_type", "", label);
  if (c.r <= 0) throw FileError(label, "config r = " + std::to_string(c.r) + " is not a positive rank");
  auto tm = j.find("target_modules");
  if (tm != j.end() && !tm->is_null()) {
    if (tm->is_string()) c.target_regex = tm->get<std::string>();
    else if (tm->is_array()) {
      for (const auto& t : *tm) {
        if (!t.is_string()) throw FileError(label, "target_modules entries must be strings");
        c.target_modules.push_back(t.get<std::string>());
      }
    } else {
      throw FileError(label, "target_modules must be a list or a string");
    }
  }
  auto ms = j.find("modules_to_save");
  if (ms != j.end() && !ms->is_null()) {
    if (!ms->is_array()) throw FileError(label, "modules_to_save must be a list");
    for (const auto& t : *ms) {
      if (!t.is_string()) throw FileError(label, "modules_to_save entries must be strings");
      c.modules_to_save.push_back(t.get<std::string>());
    }
  }
  auto am = j.find("auto_mapping");
  if (am != j.end() && am->is_object()) {
    const std::string cls = get_or<std::string>(*am, "base_model_class", "", label);
    if (cls.find("UNet") != std::string::npos) c.component = "unet";
    else if (cls.find("Transformer") != std::string::npos) c.component = "transformer";
  }
  return c;
}

LoraConfig config_for(const LoraAdapter& adapter) {
  LoraConfig c;
  std::map<int64_t, int> rank_votes;
  std::map<double, int> alpha_votes;
  for (const auto& m : adapter.modules) {
    ++rank_votes[m.rank()];
    ++alpha_votes[m.alpha];
  }
  auto most = [](const auto& votes) {
    return std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  };
  if (!adapter.modules.empty()) {
    c.r = most(rank_votes);
    c.lora_alpha = most(alpha_votes);
  }
  for (const auto& m : adapter.modules) {
    if (m.rank() != c.r) c.rank_pattern[m.path] = m.rank();
    if (m.alpha != c.lora_alpha) c.alpha_pattern[m.path] = m.alpha;
  }
  c.use_rslora = adapter.use_rslora;
  c.fan_in_fan_out = adapter.fan_in_fan_out;
  c.use_dora = std::any_of(adapter.modules.begin(), adapter.modules.end(), [](auto& m) { return m.is_dora(); });
  c.base_model = adapter.base_model;
  c.task_type = adapter.task_type;
  for (const auto& [name, t] : adapter.saved_modules) {
    const std::string module = name.substr(0, name.rfind('.'));
    if (std::find(c.modules_to_save.begin(), c.modules_to_save.end(), module) == c.modules_to_save.end())
      c.modules_to_save.push_back(module);
  }
  // Target modules: keep the adapter's own list when it covers every module, else derive suffixes.
  LoraConfig probe;
  probe.target_modules = adapter.target_modules;
  bool covers = !adapter.target_modules.empty();
  for (const auto& m : adapter.modules) covers = covers && probe.targets(m.path);
  if (covers) {
    c.target_modules = adapter.target_modules;
  } else {
    std::set<std::string> names;
    for (const auto& m : adapter.modules) {
      // Last path component, or the last two when the last is an index ("to_out.0").
      auto dot = m.path.rfind('.');
      std::string last = dot == std::string::npos ? m.path : m.path.substr(dot + 1);
      if (is_number(last) && dot != std::string::npos) {
        auto dot2 = m.path.rfind('.', dot - 1);
        last = dot2 == std::string::npos ? m.path : m.path.substr(dot2 + 1);
      }
      names.insert(last);
    }
    c.target_modules.assign(names.begin(), names.end());
  }
  return c;
}

nlohmann::json to_peft_json(const LoraConfig& c) {
  nlohmann::json j;
  j["peft_type"] = "LORA";
  j["task_type"] = c.task_type.empty() ? nlohmann::json() : nlohmann::json(c.task_type);
  j["base_model_name_or_path"] = c.base_model.empty() ? nlohmann::json() : nlohmann::json(c.base_model);
  j["r"] = c.r;
  j["lora_alpha"] = c.lora_alpha;
  if (!c.target_regex.empty()) j["target_modules"] = c.target_regex;
  else j["target_modules"] = c.target_modules;
  j["rank_pattern"] = c.rank_pattern;
  j["alpha_pattern"] = c.alpha_pattern;
  j["use_rslora"] = c.use_rslora;
  j["use_dora"] = c.use_dora;
  j["fan_in_fan_out"] = c.fan_in_fan_out;
  j["modules_to_save"] = c.modules_to_save.empty() ? nlohmann::json() : nlohmann::json(c.modules_to_save);
  j["lora_dropout"] = 0.0;
  j["bias"] = "none";
  j["inference_mode"] = true;
  j["init_lora_weights"] = true;
  j["layers_to_transform"] = nullptr;
  j["layers_pattern"] = nullptr;
  j["revision"] = nullptr;
  return j;
}

void check_against_config(const LoraAdapter& adapter, const LoraConfig& config, const std::string& label) {
  for (const auto& m : adapter.modules) {
    const int64_t expected = config.rank_for(m.path);
    if (m.rank() != expected)
      throw FileError(label, "config says r=" + std::to_string(expected) + " for module " + m.path +
                                 " but its lora_A has " + std::to_string(m.rank()) + " rows (rank " +
                                 std::to_string(m.rank()) + ")");
    if (!config.targets(m.path))
      throw FileError(label, "module " + m.path + " has LoRA weights but is not in target_modules " +
                                 config.describe_targets());
    if (config.use_dora && !m.is_dora())
      throw FileError(label, "config says use_dora but module " + m.path + " has no lora_magnitude_vector");
    if (!config.use_dora && m.is_dora())
      throw FileError(label, "module " + m.path + " has a DoRA magnitude vector but the config does not say use_dora");
  }
}

void provenance_to_metadata(const LoraAdapter& adapter, std::map<std::string, std::string>& metadata) {
  for (const auto& [k, v] : adapter.provenance) metadata["lorastudio." + k] = v;
}

void provenance_from_metadata(const std::map<std::string, std::string>& metadata, LoraAdapter& adapter) {
  static const std::set<std::string> kInternal = {"kohya_names", "component", "fan_in_fan_out", "base_model",
                                                  "task_type", "use_rslora"};
  const std::string prefix = "lorastudio.";
  for (const auto& [k, v] : metadata) {
    if (k.rfind(prefix, 0) != 0) continue;
    const std::string key = k.substr(prefix.size());
    if (!kInternal.count(key)) adapter.provenance[key] = v;
  }
}

}  // namespace lorastudio
