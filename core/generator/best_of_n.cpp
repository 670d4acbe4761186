#include "core/generator/best_of_n.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/util/error.h"

namespace lorastudio {
namespace {

// a ranks before b: finite before NaN, then by score in the wanted direction, then by index.
bool ranks_before(double a, double b, bool higher_is_better) {
  if (std::isnan(a) != std::isnan(b)) return !std::isnan(a);
  if (std::isnan(a)) return false;
  return higher_is_better ? a > b : a < b;
}

}  // namespace

std::vector<int> BestOfN::ranking() const {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
    return ranks_before(scores[static_cast<size_t>(a)], scores[static_cast<size_t>(b)], higher_is_better);
  });
  return order;
}

BestOfN rank_candidates(const std::vector<LoraAdapter>& candidates, const CandidateEvaluator& evaluate,
                        bool higher_is_better, const RankingProgress& progress) {
  if (!evaluate) throw Error("best-of-N: no evaluator");
  BestOfN r;
  r.higher_is_better = higher_is_better;
  const int total = static_cast<int>(candidates.size());
  for (int i = 0; i < total; ++i) {
    double score = 0;
    try {
      score = evaluate(candidates[static_cast<size_t>(i)], i);
    } catch (const std::exception& e) {
      throw Error("best-of-N: evaluating candidate " + std::to_string(i) + " failed: " + e.what());
    }
    r.scores.push_back(score);
    if (!std::isnan(score) && (r.best < 0 || ranks_before(score, r.scores[static_cast<size_t>(r.best)], higher_is_better)))
      r.best = i;
    if (progress && !progress(i + 1, total)) {
      r.cancelled = true;
      break;
    }
  }
  return r;
}

}  // namespace lorastudio
