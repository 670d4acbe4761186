#pragma once
// A synthetic conditional zoo: K tasks whose N checkpoints lie around distinct centres, each with
// its own text condition. Used by generator tests and `bench generate`-like checks.
#include <string>

#include "core/zoo/zoo.h"

namespace lorastudio::test {

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

// Creates the zoo in `dir`; task i is named "task<i>" with condition text synthetic_task_text(i).
Zoo make_synthetic_zoo(const std::string& dir, const SyntheticZooSpec& spec = {});
std::string synthetic_task_text(int i);

}  // namespace lorastudio::test
