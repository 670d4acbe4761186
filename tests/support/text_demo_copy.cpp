#include "tests/support/text_demo_copy.h"

#include <filesystem>
#include <fstream>

#include "tests/support/test_paths.h"

namespace lorastudio::test {

std::string copy_text_demo_with_sampling(const std::string& dir, const nlohmann::json& sampling) {
  const std::string copy = dir + "/demo";
  std::filesystem::copy(project_path("models/demo/text-wordnet"), copy, std::filesystem::copy_options::recursive);
  nlohmann::json j = nlohmann::json::parse(std::ifstream(copy + "/demo.json"));
  j["sampling"] = sampling;
  std::ofstream(copy + "/demo.json") << j.dump(2);
  return copy;
}

}  // namespace lorastudio::test
