#pragma once
// A generator one has trained (in the studio's training monitor or with `lora-studio-cli train`) on a zoo, as a
// studio world: the zoo's tasks as conditions (their descriptions and examples, or their first condition image),
// the checkpoints placed in the generator's latent space when it opens, candidates scored by how well their ΔW
// agrees with their task's ΔW soup (a zoo carries no task metric the studio could run), and the bar preview
// against every task's soup. The pairing is a small file in the generator's folder:
//   world.json   {"format": "lora-studio-zoo-world", "version": 1, "zoo": "/abs/path/to/zoo"}
#include <memory>
#include <string>

#include <torch/types.h>

#include "core/generator/latent_atlas.h"
#include "core/world/studio_world.h"

namespace lorastudio {

inline constexpr const char* kZooWorldFormat = "lora-studio-zoo-world";

// Writes `generator_dir`/world.json pairing the generator with `zoo_dir` (atomically). FileError when either is
// not what it should be (no generator.json, no zoo.json).
void write_zoo_world(const std::string& generator_dir, const std::string& zoo_dir);

class ZooWorld : public StudioWorld {
 public:
  static std::shared_ptr<const ZooWorld> open(const std::string& generator_dir);  // FileError naming the file
  static bool holds(const std::string& dir);  // dir/world.json names this format

  std::string name() const override { return name_; }
  std::string dir() const override { return dir_; }
  std::string generator_dir() const override { return dir_; }
  std::string notice() const override;
  ConditionKind condition_kind() const override { return kind_; }
  const std::vector<WorldCondition>& conditions() const override { return conditions_; }
  const LatentAtlas& atlas() const override { return atlas_; }
  std::shared_ptr<ConditionalGenerator> generator() const override { return generator_; }
  CandidateTable candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                 const WorldCondition& condition) const override;
  std::unique_ptr<PreviewProvider> preview_provider() const override;

 private:
  std::string dir_, zoo_dir_, name_;
  ConditionKind kind_ = ConditionKind::Text;
  std::vector<WorldCondition> conditions_;
  std::shared_ptr<ConditionalGenerator> generator_;
  LatentAtlas atlas_;
  torch::Tensor soups_;                 // [tasks, D]: each task's mean flat parameters
  std::vector<double> original_best_;   // per task: its best checkpoint's agreement with its soup
  std::vector<double> agreement(const torch::Tensor& rows, size_t task) const;
};

}  // namespace lorastudio
