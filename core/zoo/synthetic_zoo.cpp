#include "core/zoo/synthetic_zoo.h"

#include <torch/torch.h>

#include "core/lora/lora_adapter.h"
#include "core/util/error.h"

namespace lorastudio {

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

namespace {

// The zoo's layout: `modules` square linear LoRA modules with random factors (a balance is measured on them).
LoraAdapter prototype(const SyntheticZooSpec& s) {
  torch::manual_seed(s.seed);
  LoraAdapter a;
  for (int m = 0; m < s.modules; ++m) {
    LoraModule module;
    module.path = "blocks." + std::to_string(m) + ".attn.to_q";
    module.A = torch::randn({s.rank, s.width});
    module.B = torch::randn({s.width, s.rank});
    module.alpha = static_cast<double>(s.rank);
    a.modules.push_back(std::move(module));
  }
  return a;
}

}  // namespace

Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& s) {
  if (s.tasks < 1 || s.tasks > 1000 || s.checkpoints < 2 || s.modules < 1 || s.width < 1 || s.rank < 1 || s.rank > s.width)
    throw Error("synthetic zoo: tasks must be 1–1000, checkpoints at least 2, modules and width at least 1, rank 1–width");
  const ZooLayout layout = ZooLayout::from_adapter(prototype(s));
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

}  // namespace lorastudio
