#include "tests/support/model_golden.h"

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/io/safetensors_reader.h"
#include "tests/support/test_paths.h"

namespace lorastudio::test {

ModelGolden model_golden(const std::string& name) {
  ModelGolden g;
  g.dir = golden_path("models/" + name);
  std::ifstream in(g.dir + "/golden.json");
  if (!in) return g;  // absent from this golden set: the test skips on its files
  nlohmann::json j = nlohmann::json::parse(in);
  std::smatch m;
  std::string tolerance = j.value("tolerance", "");
  if (std::regex_search(tolerance, m, std::regex(R"(max abs ([0-9.eE+-]+))"))) g.tolerance = std::stod(m[1]);
  return g;
}

torch::Tensor ModelGolden::operator[](const std::string& name) const {
  return SafetensorsReader(dir + "/golden.safetensors").tensor(name).clone();
}

bool ModelGolden::has(const std::string& name) const {
  return SafetensorsReader(dir + "/golden.safetensors").contains(name);
}

double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto d = (a.to(torch::kDouble) - b.to(torch::kDouble)).abs();
  if (mask.defined()) d = d * mask.to(torch::kDouble);
  return d.max().item<double>();
}

}  // namespace lorastudio::test
