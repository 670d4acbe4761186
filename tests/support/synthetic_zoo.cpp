#include "tests/support/synthetic_zoo.h"

#include <torch/torch.h>

#include "tests/support/adapter_testing.h"

namespace lorastudio::test {

std::string synthetic_task_text(int i) {
  static const char* kTexts[] = {
      "Classify the sentiment of a movie review as positive or negative.",
      "Decide whether two sentences are paraphrases of each other.",
      "Answer whether the hypothesis follows from the premise.",
      "Judge whether a sentence is grammatically acceptable English.",
      "Rate the semantic similarity of two sentences from zero to five.",
      "Translate a short English sentence into French.",
  };
  return kTexts[i % 6];
}

Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& s) {
  std::vector<ModuleSpec> specs;
  for (int m = 0; m < s.modules; ++m)
    specs.push_back({"blocks." + std::to_string(m) + ".attn.to_q", s.width, s.width, s.rank, static_cast<double>(s.rank)});
  const LoraAdapter prototype = random_adapter(specs, s.seed);
  const ZooLayout layout = ZooLayout::from_adapter(prototype);
  Zoo zoo = Zoo::create(dir);
  torch::manual_seed(s.seed);
  const torch::Tensor shared = torch::randn({std::min(s.shared_coordinates, layout.dim())});
  for (int k = 0; k < s.tasks; ++k) {
    const torch::Tensor centre = torch::randn({layout.dim()});
    FlatCheckpoints rows;
    rows.params = centre.unsqueeze(0) + s.spread * torch::randn({s.checkpoints, layout.dim()});
    rows.params.narrow(1, 0, shared.numel()).copy_(shared.expand({s.checkpoints, shared.numel()}));
    zoo.add_task("task" + std::to_string(k), TaskCondition::from_text(synthetic_task_text(k)), rows, layout);
  }
  return zoo;
}

}  // namespace lorastudio::test
