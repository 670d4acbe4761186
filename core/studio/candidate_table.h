#pragma once
// The studio's results table: each generated candidate with its score, its rank, how far it lies from the
// training checkpoints (in the generator's latent space, where the trajectory view shows it, measured against
// the task's own spread there: the engine's memorisation report, as in memorization_report.h), and whether it
// beats the task's best original checkpoint and its ΔW soup.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct LatentAtlas;

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct CandidateRow {
  int64_t index = 0;                 // the sample's number in its generation
  double score = kNoValue;           // the world's score (higher is better); NaN when unscored
  int rank = 0;                      // 1 = best score; 0 when unscored
  double nearest_distance = 0;       // to the nearest training checkpoint of any task
  std::string nearest_task;          // that checkpoint's task
  double own_distance = kNoValue;    // to the nearest checkpoint of the condition's task (NaN: not a training task)
  double spread_ratio = kNoValue;    // own_distance / the task's median within-task spread
  bool is_copy = false;              // closer to an own checkpoint than half that spread
  std::optional<bool> beats_original, beats_soup;  // against the task's best checkpoint and its soup
};

struct CandidateTable {
  std::string task;                  // the condition's task in the atlas ("" for a condition of one's own)
  std::string score_name;            // what score means ("PSNR on the check photos, dB")
  std::string space;                 // where distances are measured
  std::optional<double> original_best, soup;
  double task_spread = kNoValue;     // the task's median nearest-other-checkpoint distance
  std::vector<CandidateRow> rows;    // in sample order
};

// `latents` [N, dim]: the candidates where sampling left them (the atlas's space); `scores` N values or empty.
// Throws Error when the sizes disagree.
CandidateTable candidate_table(const LatentAtlas& atlas, const torch::Tensor& latents, const std::string& task,
                               const std::vector<double>& scores, std::optional<double> original_best = {},
                               std::optional<double> soup = {}, std::string score_name = {});

}  // namespace lorastudio
