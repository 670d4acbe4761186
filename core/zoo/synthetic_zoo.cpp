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

std::string synthetic_task_name(int i) {
  static const char* kNames[] = {"sentiment", "paraphrase", "entailment", "acceptability", "similarity", "translation"};
  return i < 6 ? kNames[i] : std::string(kNames[i % 6]) + std::to_string(i / 6 + 1);
}

std::vector<std::string> synthetic_task_examples(int i) {
  static const char* kExamples[][2] = {
      {"A gripping, beautifully acted film. -> positive", "Two hours I will never get back. -> negative"},
      {"The cat sat on the mat. / A cat was sitting on the mat. -> yes", "He left early. / She arrived late. -> no"},
      {"A man is playing a guitar. => A man plays music. -> yes", "A dog sleeps. => The dog is running. -> no"},
      {"The book was read by her. -> acceptable", "Book the read she was. -> unacceptable"},
      {"A woman slices an onion. / Someone cuts an onion. -> 4.2", "A plane takes off. / A man eats soup. -> 0.1"},
      {"Good morning. -> Bonjour.", "Thank you very much. -> Merci beaucoup."},
  };
  return {kExamples[i % 6][0], kExamples[i % 6][1]};
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

Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& s, torch::Tensor* centres) {
  if (s.tasks < 1 || s.tasks > 1000 || s.checkpoints < 2 || s.modules < 1 || s.width < 1 || s.rank < 1 || s.rank > s.width)
    throw Error("synthetic zoo: tasks must be 1–1000, checkpoints at least 2, modules and width at least 1, rank 1–width");
  const ZooLayout layout = ZooLayout::from_adapter(prototype(s));
  Zoo zoo = Zoo::create(dir);
  torch::manual_seed(s.seed);
  const torch::Tensor shared = torch::randn({std::min(s.shared_coordinates, layout.dim())});
  std::vector<torch::Tensor> truth;
  for (int k = 0; k < s.tasks; ++k) {
    torch::Tensor centre = torch::randn({layout.dim()});
    centre.narrow(0, 0, shared.numel()).copy_(shared);
    truth.push_back(centre);
    FlatCheckpoints rows;
    rows.params = centre.unsqueeze(0) + s.spread * torch::randn({s.checkpoints, layout.dim()});
    rows.params.narrow(1, 0, shared.numel()).copy_(shared.expand({s.checkpoints, shared.numel()}));
    const std::string name = s.short_names ? synthetic_task_name(k) : "task" + std::to_string(k);
    const auto examples = s.examples ? synthetic_task_examples(k) : std::vector<std::string>{};
    zoo.add_task(name, TaskCondition::from_text(synthetic_task_text(k), examples), rows, layout);
  }
  if (centres) *centres = torch::stack(truth);
  return zoo;
}

}  // namespace lorastudio
