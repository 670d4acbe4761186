#pragma once
// Best-of-N: every generated candidate is scored by a task evaluator (e.g. accuracy on the task's
// training split, or an external harness), and the best is reported together with all scores.
#include <functional>
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

// The score of candidate `index`; NaN when it could not be scored (it then ranks last). Throwing aborts
// the ranking with an error naming the candidate.
using CandidateEvaluator = std::function<double(const LoraAdapter& adapter, int index)>;
// After each candidate: (scored so far, total). Return false to cancel.
using RankingProgress = std::function<bool(int done, int total)>;

struct BestOfN {
  std::vector<double> scores;  // one per candidate scored, in candidate order
  int best = -1;               // index of the best finite score; -1 when none is finite
  bool higher_is_better = true;
  bool cancelled = false;      // scores then holds the candidates scored before the cancel
  std::vector<int> ranking() const;  // candidate indices, best first (unscored/NaN last)
};

BestOfN rank_candidates(const std::vector<LoraAdapter>& candidates, const CandidateEvaluator& evaluate,
                        bool higher_is_better = true, const RankingProgress& progress = {});

}  // namespace lorastudio
