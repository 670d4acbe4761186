#pragma once
// What a golden PEFT adapter holds, read straight from its files (adapter_config.json and the safetensors
// header's key names and shapes) rather than from the loaders under test, so tests pass unchanged on another
// golden set made the same way (other seeds, sizes, module lists).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio::test {

struct ExpectedModule {
  std::string path;  // without "base_model.model."
  int64_t rank = 0, in = 0, out = 0;
  double alpha = 0;
};

struct ExpectedPeftAdapter {
  std::vector<ExpectedModule> modules;  // in the loader's order: paths compared with numbers as numbers
  int64_t lora_parameters = 0;          // A and B elements
  int64_t saved_parameters = 0;         // modules_to_save elements
  size_t saved_tensors = 0;
  bool fan_in_fan_out = false;
  std::string task_type;
};

ExpectedPeftAdapter expected_peft_adapter(const std::string& dir);

// A safetensors file's JSON header in file order, read without the project's reader; `header_bytes` gets its
// length (the 8-byte prefix's value). Tensor keys exclude "__metadata__".
nlohmann::ordered_json safetensors_header(const std::string& path, uint64_t* header_bytes = nullptr);
std::vector<std::string> safetensors_keys(const std::string& path);

// "a.10.b" after "a.2.b": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace lorastudio::test
