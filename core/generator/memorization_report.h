#pragma once
// Is a generated adapter its task's own, and is it a copy? For each generated parameter vector:
// the distance to the nearest training checkpoint of its task and of any task (and which task that
// is), the ΔW cosine per module to the nearest checkpoint, next to the spread among the training
// checkpoints themselves (each checkpoint's distance to its nearest other checkpoint of the task).
// Cond P-Diff's released generator fails this: its adapters for three different styles lie within
// 0.7–1.1% of one training adapter.
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

class Zoo;

struct CandidateMemorization {
  double nearest_own = 0;         // ||x − nearest checkpoint of the target task||
  double nearest_any = 0;         // over all tasks
  std::string nearest_task;       // the task of that checkpoint
  int64_t nearest_index = -1;     // its row in that task
  double relative_to_spread = 0;  // nearest_own / the task's median checkpoint spread
  double mean_module_cosine = 0;  // ΔW cosine to the nearest own checkpoint, averaged over modules
  double min_module_cosine = 0;
  bool is_copy = false;           // nearest_own below half the smallest spread among training checkpoints
};

struct TaskSpread {
  double min = 0, median = 0, max = 0;  // nearest-other-checkpoint distances within the task
};

struct MemorizationReport {
  std::string task;
  TaskSpread spread;
  std::vector<CandidateMemorization> candidates;
  double own_task_fraction = 0;   // candidates whose nearest checkpoint (any task) is of `task`
  int64_t copies = 0;
};

TaskSpread task_spread(const torch::Tensor& checkpoints /*[N, D]*/);
// `generated` [N, D] denormalised flat parameters in the zoo's layout.
MemorizationReport memorization_report(const Zoo& zoo, const std::string& task, const torch::Tensor& generated,
                                       bool module_cosines = true);

}  // namespace lorastudio
