#pragma once
// A synthetic conditional world that a generator can fail in every way that matters, small enough for CI:
//  - tasks are combinations of a domain and a label ("Classify movie reviews by sentiment."); a task's centre is
//    base + u_domain + v_label, so centres lie about as far apart as checkpoints spread within a task, and a
//    combination never trained on has a known condition and a knowable answer (compositional held-out task);
//  - within a task checkpoints vary anisotropically, along a few task-specific directions of decreasing spread
//    (as checkpoints along a training run do), plus a little isotropic noise;
//  - one task has two separate modes (its checkpoints split in two clusters).
// Every quantity is in flat parameter space (the generator's space), drawn from one seed.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/zoo/zoo.h"

namespace lorastudio::test {

struct SyntheticWorldSpec {
  std::vector<std::string> domains = {"movie", "product", "restaurant"};
  std::vector<std::string> labels = {"sentiment", "topic", "formality"};
  // (domain, label) combinations left out of the zoo: their checkpoints exist but are hidden.
  std::vector<std::pair<int, int>> held_out = {{2, 2}};
  std::pair<int, int> bimodal = {0, 1};  // this task's checkpoints form two clusters
  int checkpoints = 32;                  // per task
  int modules = 4;
  int64_t width = 16, rank = 2;          // modules are width x width: D = modules · 2 · width · rank
  double centre_scale = 0.115;           // per-coordinate std of u_domain and v_label
  std::vector<double> direction_spread = {1.0, 0.7, 0.5};  // std along each task's own directions
  double isotropic = 0.01;               // per-coordinate std of the isotropic part
  double mode_offset = 1.2;              // the bimodal task's clusters lie at centre ± this along a direction
  uint64_t seed = 7;
};

struct SyntheticTask {
  std::string name, text;
  int domain = 0, label = 0;
  bool held_out = false, bimodal = false;
  torch::Tensor centre;       // [D]
  torch::Tensor checkpoints;  // [N, D] (float32)
  torch::Tensor directions;   // [k + 1, D]: the task's own directions, the last one separating the modes
  std::vector<int> mode;      // per checkpoint: 0 or 1 (bimodal task), else 0
};

struct SyntheticWorld {
  SyntheticWorldSpec spec;
  std::vector<SyntheticTask> tasks;
  const SyntheticTask& task(const std::string& name) const;
  std::vector<const SyntheticTask*> training_tasks() const;
  std::vector<const SyntheticTask*> held_out_tasks() const;
  double within_task_rms() const;  // RMS distance of a checkpoint from its task's centre
  // Fresh checkpoints of `task` drawn from the same distribution (a perfect generator), modes alternating.
  torch::Tensor draw(const SyntheticTask& task, int64_t count, uint64_t seed) const;
};

SyntheticWorld make_synthetic_world(const SyntheticWorldSpec& spec = {});
// Writes the training tasks (not the held-out ones) into a new zoo in `dir`.
Zoo write_world_zoo(const SyntheticWorld& world, const std::string& dir);

}  // namespace lorastudio::test
