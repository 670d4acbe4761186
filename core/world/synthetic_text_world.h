#pragma once
// The synthetic text world: what the studio opens for text conditions until the text world's bundle exists
// (always labelled synthetic). Six tasks with real descriptions and two few-shot examples each; each task's
// LoRA checkpoints scatter around a random centre in flat parameter space (the task's "true" adapter, known
// here, so candidates are scored exactly: the cosine of their ΔW with the true task's ΔW). A small
// text-conditioned generator (hashed n-gram encoder, global statistics, so typed descriptions decode too) is
// trained on it the first time, in seconds, and kept in the user's cache:
//   world.json                format, name, tasks (name, text, examples), spec
//   zoo/                      the checkpoints (a zoo)
//   generator/                the generator bundle
//   atlas.safetensors         the checkpoints in the generator's latent space
//   truth.safetensors         each task's centre [tasks, D]
#include <memory>
#include <string>

#include <torch/types.h>

#include "core/generator/latent_atlas.h"
#include "core/world/studio_world.h"
#include "core/zoo/zoo_layout.h"

namespace lorastudio {

inline constexpr const char* kSyntheticTextWorldFormat = "lora-studio-synthetic-text-world";
inline constexpr int kSyntheticTextWorldVersion = 1;

struct SyntheticTextWorldSpec {
  int tasks = 6;
  int checkpoints = 24;           // per task
  double spread = 0.15;           // checkpoint noise relative to the centre's scale
  int64_t ae_steps = 500, diffusion_steps = 1600;  // about 25 s on two CPU cores
  uint64_t seed = 11;
};

// Builds the world in `dir` (written under a temporary name, then renamed). Throws Error / FileError.
void build_synthetic_text_world(const std::string& dir, const SyntheticTextWorldSpec& spec = {},
                                const WorldProgress& progress = {});
// Where "synthetic-text" lives: the user's cache, one folder per format version.
std::string synthetic_text_world_dir();

class SyntheticTextWorld : public StudioWorld {
 public:
  static std::shared_ptr<const SyntheticTextWorld> open(const std::string& dir);  // FileError naming the file
  static bool holds(const std::string& dir);  // dir/world.json names this format

  std::string name() const override { return "synthetic-text"; }
  std::string dir() const override { return dir_; }
  std::string generator_dir() const override;
  std::string notice() const override;
  ConditionKind condition_kind() const override { return ConditionKind::Text; }
  const std::vector<WorldCondition>& conditions() const override { return conditions_; }
  const LatentAtlas& atlas() const override { return atlas_; }
  std::shared_ptr<ConditionalGenerator> generator() const override { return generator_; }
  CandidateTable candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                 const WorldCondition& condition) const override;
  std::unique_ptr<PreviewProvider> preview_provider() const override;

  // 100 · cos(ΔW of each row, ΔW of `task`'s centre) for flat rows [N, D]: the score of the world.
  std::vector<double> agreement(const torch::Tensor& rows, const std::string& task) const;

 private:
  std::string dir_;
  std::vector<WorldCondition> conditions_;
  std::shared_ptr<ConditionalGenerator> generator_;
  LatentAtlas atlas_;
  torch::Tensor truth_;                 // [tasks, D]
  std::vector<double> original_best_, soup_;  // per task: its best checkpoint's and its soup's agreement
};

}  // namespace lorastudio
