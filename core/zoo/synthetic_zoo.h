#pragma once
// A synthetic conditional zoo, built in a second: K tasks whose N checkpoints lie around distinct centres in
// flat parameter space, each with its own text condition. It is what the studio's training monitor and
// `zoo synthetic` offer when no real zoo is at hand (always labelled synthetic), and what generator tests train on.
#include <string>

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
};

// Creates the zoo in `dir` (new or empty); task i is named "task<i>" with condition text synthetic_task_text(i).
// Throws Error when a count is out of range, FileError when `dir` cannot be used.
Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& spec = {});
std::string synthetic_task_text(int i);

}  // namespace lorastudio
