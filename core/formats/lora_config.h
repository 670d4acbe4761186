#pragma once
// A PEFT LoraConfig as far as the weights depend on it: r, lora_alpha, rank/alpha patterns, rsLoRA,
// DoRA, fan_in_fan_out, target modules. PEFT's adapter_config.json and diffusers' "lora_adapter_metadata"
// both hold this dictionary.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

struct LoraConfig {
  int64_t r = 8;                 // PEFT's defaults
  double lora_alpha = 8;
  bool use_rslora = false;
  bool use_dora = false;
  bool fan_in_fan_out = false;
  std::map<std::string, int64_t> rank_pattern;
  std::map<std::string, double> alpha_pattern;
  std::vector<std::string> target_modules;  // list form
  std::string target_regex;                 // string form (full match), or "all-linear"
  std::vector<std::string> modules_to_save;
  std::string base_model;
  std::string task_type;
  std::string component;                    // inferred from auto_mapping (diffusers models), may be empty

  int64_t rank_for(const std::string& module_path) const;
  double alpha_for(const std::string& module_path) const;
  bool targets(const std::string& module_path) const;  // PEFT's target-module matching
  std::string describe_targets() const;
};

// Parses the dictionary; `label` names the file for errors (wrong types are errors, unknown keys ignored).
LoraConfig parse_lora_config(const nlohmann::json& j, const std::string& label);

// The config that describes `adapter` (most common rank/alpha, patterns for the rest, derived target modules).
LoraConfig config_for(const LoraAdapter& adapter);

// A complete PEFT adapter_config.json dictionary.
nlohmann::json to_peft_json(const LoraConfig& config);

// Checks the adapter's tensors against the config: ranks, DoRA presence, target modules. Throws FileError(label).
void check_against_config(const LoraAdapter& adapter, const LoraConfig& config, const std::string& label);

// Provenance travels in safetensors __metadata__ as "lorastudio.<key>".
void provenance_to_metadata(const LoraAdapter& adapter, std::map<std::string, std::string>& metadata);
void provenance_from_metadata(const std::map<std::string, std::string>& metadata, LoraAdapter& adapter);

}  // namespace lorastudio
