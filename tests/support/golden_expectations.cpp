#include "tests/support/golden_expectations.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lorastudio::test {
namespace {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t numel(const nlohmann::ordered_json& shape) {
  int64_t n = 1;
  for (const auto& d : shape) n *= d.get<int64_t>();
  return n;
}

}  // namespace

nlohmann::ordered_json safetensors_header(const std::string& path, uint64_t* header_bytes) {
  std::ifstream in(path, std::ios::binary);
  unsigned char size_bytes[8];
  if (!in.read(reinterpret_cast<char*>(size_bytes), 8)) throw std::runtime_error("cannot read " + path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | size_bytes[i];
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (header_bytes) *header_bytes = n;
  return nlohmann::ordered_json::parse(text);
}

std::vector<std::string> safetensors_keys(const std::string& path) {
  std::vector<std::string> keys;
  const nlohmann::ordered_json h = safetensors_header(path);
  for (auto it = h.begin(); it != h.end(); ++it)
    if (it.key() != "__metadata__") keys.push_back(it.key());
  return keys;
}

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const long long x = std::stoll(a.substr(i, ie - i)), y = std::stoll(b.substr(j, je - j));
      if (x != y) return x < y;
      i = ie, j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i, ++j;
  }
  return a.size() - i < b.size() - j;
}

ExpectedPeftAdapter expected_peft_adapter(const std::string& dir) {
  const nlohmann::json config = read_json_file(dir + "/adapter_config.json");
  const nlohmann::ordered_json header = safetensors_header(dir + "/adapter_model.safetensors");
  ExpectedPeftAdapter e;
  e.fan_in_fan_out = config.value("fan_in_fan_out", false);
  e.task_type = config["task_type"].is_string() ? config["task_type"].get<std::string>() : "";
  const double alpha = config.value("lora_alpha", 8.0);
  const nlohmann::json alpha_pattern = config.value("alpha_pattern", nlohmann::json::object());
  const std::string prefix = "base_model.model.";
  std::map<std::string, ExpectedModule> modules;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string key = it.key().rfind(prefix, 0) == 0 ? it.key().substr(prefix.size()) : it.key();
    const auto& shape = (*it)["shape"];
    for (const char* part : {".lora_A.weight", ".lora_B.weight"}) {
      if (!ends_with(key, part)) continue;
      ExpectedModule& m = modules[key.substr(0, key.size() - std::strlen(part))];
      m.path = key.substr(0, key.size() - std::strlen(part));
      if (part[6] == 'A') m.rank = shape[0].get<int64_t>(), m.in = shape[1].get<int64_t>();
      else m.out = shape[0].get<int64_t>();
      e.lora_parameters += numel(shape);
    }
    if (key.find("lora_") == std::string::npos) {
      ++e.saved_tensors;
      e.saved_parameters += numel(shape);
    }
  }
  for (auto& [path, m] : modules) {
    m.alpha = alpha;
    for (auto p = alpha_pattern.begin(); p != alpha_pattern.end(); ++p)
      if (ends_with(path, p.key())) m.alpha = p.value().get<double>();
    e.modules.push_back(m);
  }
  std::sort(e.modules.begin(), e.modules.end(), [](const auto& a, const auto& b) { return natural_less(a.path, b.path); });
  return e;
}

}  // namespace lorastudio::test
