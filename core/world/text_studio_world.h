#pragma once
// The text world's demo bundle (core/textworld/text_demo.h) as a studio world: the suite's tasks as conditions
// (a description with its two shots; the held-out ones marked), the harvested checkpoints as the atlas, candidates
// scored by their test accuracy with the yes/no base model, against the task's best original checkpoint and its ΔW
// soup from the bundle's Table 1 (for a held-out task: its oracle LoRA), and the merged-model answers as preview.
#include <memory>

#include "core/world/studio_world.h"

namespace lorastudio {

namespace textworld {
class TextDemo;
}
namespace wordnet {
struct WordNetTask;
}

class TextStudioWorld : public StudioWorld {
 public:
  explicit TextStudioWorld(std::shared_ptr<const textworld::TextDemo> demo);
  static std::shared_ptr<const TextStudioWorld> load(const std::string& dir);  // FileError

  std::string name() const override;
  std::string dir() const override;
  std::string generator_dir() const override;
  std::string notice() const override;
  ConditionKind condition_kind() const override { return ConditionKind::Text; }
  const std::vector<WorldCondition>& conditions() const override { return conditions_; }
  const LatentAtlas& atlas() const override;
  std::shared_ptr<ConditionalGenerator> generator() const override { return generator_; }
  // A description that is one of a task's paraphrases (the unseen one too) is scored as that task.
  CandidateTable candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                 const WorldCondition& condition) const override;
  std::unique_ptr<PreviewProvider> preview_provider() const override;
  GenerateOptions sampling() const override;
  GenerateOptions sampling_for(const WorldCondition& condition) const override;  // the unseen guidance for new tasks

 private:
  std::shared_ptr<const textworld::TextDemo> demo_;
  std::shared_ptr<ConditionalGenerator> generator_;
  std::vector<WorldCondition> conditions_;
  // The suite task `condition` is (by name, or a typed description repeating one of its paraphrases); null if none.
  const wordnet::WordNetTask* suite_task(const WorldCondition& condition) const;
};

}  // namespace lorastudio
