#pragma once
// A synthetic conditional zoo, built in a second: K tasks whose N checkpoints lie around distinct centres in
// flat parameter space, each with its own text condition. It is what the studio's training monitor and
// `zoo synthetic` offer when no real zoo is at hand (always labelled synthetic), and what generator tests train on.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/zoo/zoo.h"

namespace lorastudio {

struct SyntheticZooSpec {
  int tasks = 4;
  int checkpoints = 32;       // per task
  int modules = 4;
  int64_t width = 16;         // modules are width x width
  int64_t rank = 2;
  double spread = 0.05;       // checkpoint noise relative to the centre's scale
  uint64_t seed = 1;
  int64_t shared_coordinates = 0;  // the first ones take one value in every checkpoint of every task (a shared A)
  bool short_names = false;   // task i named synthetic_task_name(i) ("sentiment") rather than "task<i>"
  bool examples = false;      // conditions carry synthetic_task_examples(i) as few-shot examples
};

// Creates the zoo in `dir` (new or empty); task i is named "task<i>" with condition text synthetic_task_text(i).
// `centres`, when given, receives each task's centre [tasks, D] (what its checkpoints scatter around: the
// synthetic ground truth). Throws Error when a count is out of range, FileError when `dir` cannot be used.
Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& spec = {}, torch::Tensor* centres = nullptr);
std::string synthetic_task_text(int i);                    // "Classify the sentiment of a movie review as …"
std::string synthetic_task_name(int i);                    // "sentiment"
std::vector<std::string> synthetic_task_examples(int i);   // two few-shot examples

}  // namespace lorastudio
