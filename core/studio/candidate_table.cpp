#include "core/studio/candidate_table.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <torch/torch.h>

#include "core/generator/latent_atlas.h"
#include "core/generator/memorization_report.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

void rank_rows(std::vector<CandidateRow>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rows[a].score > rows[b].score; });
  int rank = 0;
  for (size_t i : order)
    if (!std::isnan(rows[i].score)) rows[i].rank = ++rank;
}

}  // namespace

CandidateTable candidate_table(const LatentAtlas& atlas, const torch::Tensor& latents, const std::string& task,
                               const std::vector<double>& scores, std::optional<double> original_best,
                               std::optional<double> soup, std::string score_name) {
  if (atlas.size() == 0) throw Error("results: the demo has no atlas of training checkpoints to measure against");
  if (latents.dim() != 2 || latents.size(1) != atlas.dimension())
    throw Error("results: candidates must be [N, " + std::to_string(atlas.dimension()) + "] latents");
  if (!scores.empty() && static_cast<int64_t>(scores.size()) != latents.size(0))
    throw Error("results: " + std::to_string(scores.size()) + " scores for " + std::to_string(latents.size(0)) + " candidates");
  CandidateTable table;
  table.score_name = std::move(score_name);
  table.original_best = original_best;
  table.soup = soup;
  table.space = "the generator's latent space (" + std::to_string(atlas.dimension()) + " dimensions)";
  const auto x = latents.to(torch::kFloat64);
  const auto all = torch::cdist(x, atlas.latents.to(torch::kFloat64));  // [N, M]
  const auto [nearest, nearest_index] = all.min(1);
  const auto it = std::find(atlas.tasks.begin(), atlas.tasks.end(), task);
  torch::Tensor own;
  if (it != atlas.tasks.end()) {
    table.task = task;
    const auto mask = atlas.task_index.eq(static_cast<int64_t>(it - atlas.tasks.begin()));
    const auto rows = atlas.latents.index({mask}).to(torch::kFloat64);
    own = std::get<0>(all.index({torch::indexing::Slice(), mask}).min(1));
    const TaskSpread spread = task_spread(rows);
    if (spread.defined()) table.task_spread = spread.median;
  }
  for (int64_t i = 0; i < x.size(0); ++i) {
    CandidateRow r;
    r.index = i;
    if (!scores.empty()) r.score = scores[static_cast<size_t>(i)];
    r.nearest_distance = nearest[i].item<double>();
    r.nearest_task = atlas.tasks.at(static_cast<size_t>(atlas.task_index[nearest_index[i].item<int64_t>()].item<int64_t>()));
    if (own.defined()) r.own_distance = own[i].item<double>();
    if (!std::isnan(table.task_spread) && table.task_spread > 0) {
      r.spread_ratio = r.own_distance / table.task_spread;
      r.is_copy = r.spread_ratio < 0.5;  // memorization_report.h's rule
    }
    if (!std::isnan(r.score) && original_best) r.beats_original = r.score > *original_best;
    if (!std::isnan(r.score) && soup) r.beats_soup = r.score > *soup;
    table.rows.push_back(std::move(r));
  }
  rank_rows(table.rows);
  return table;
}

}  // namespace lorastudio
