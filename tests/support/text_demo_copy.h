#pragma once
// A copy of the shipped text demo (models/demo/text-wordnet) in `dir`/demo with demo.json's "sampling" replaced:
// for tests of how a bundle's recorded sampling (its guidance, its unseen guidance) is followed.
#include <string>

#include <nlohmann/json.hpp>

namespace lorastudio::test {

// Returns the copy's folder.
std::string copy_text_demo_with_sampling(const std::string& dir, const nlohmann::json& sampling);

// The sampling the tests give such a copy: DDIM, 20 steps, guidance 3.5 for the training tasks, 1.5 for the rest.
inline nlohmann::json test_text_sampling() {
  return {{"sampler", "ddim"}, {"steps", 20}, {"guidance", 3.5}, {"unseen_guidance", 1.5}};
}

}  // namespace lorastudio::test
