#pragma once
// The condition walk: adapters generated along a straight path between two conditions' embeddings, beside the
// weight-space interpolation between the walk's two end adapters. A generator that generalises between tasks
// moves steadily from one end to the other; one that only copies its training tasks jumps between them (one
// big step) while the interpolation moves evenly. Both paths are placed in the latent atlas's space, so the
// studio's trajectory view shows them among the training checkpoints.
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "core/generator/condition_encoder.h"
#include "core/generator/generation.h"

namespace lorastudio {

class ConditionalGenerator;

struct ConditionWalkOptions {
  int points = 7;             // walk weights 0, 1/(points−1), …, 1
  GenerateOptions generation; // count: samples per point; the same seed at every point (the same noise)
};

struct ConditionWalk {
  std::vector<double> weights;        // [P]
  std::vector<LoraAdapter> adapters;  // P × count, point-major
  torch::Tensor params;               // [P × count, D]
  torch::Tensor latents;              // [P × count, dim] in the atlas's space
  // The weight-space interpolation (1−t)·ΔW(first) + t·ΔW(last) between sample 0 of the two ends, at the same
  // weights, when it is representable in the flat layout (the adapters share their A factors; else empty).
  torch::Tensor interpolation_params;   // [P, D]
  torch::Tensor interpolation_latents;  // [P, dim]
  // Largest distance between consecutive walk points (sample 0) over the distance between the ends, in the
  // atlas's space: ≈ 1/(P−1) for an even walk, → 1 when the walk jumps from one end to the other at once.
  double largest_step = 0;
  double interpolation_largest_step = 0;  // the same for the interpolation (its own evenness in that space)
  bool cancelled = false;
};

// Largest distance between consecutive rows of `path` [P, dim] over the distance between its first and last.
double path_largest_step(const torch::Tensor& path);

// `progress(done, total)` after each point; false cancels. Throws Error from generation (e.g. a generator
// whose normalisation cannot decode blended conditions).
ConditionWalk condition_walk(ConditionalGenerator& generator, const ConditionInput& from, const ConditionInput& to,
                             const ConditionWalkOptions& options, const std::function<bool(int, int)>& progress = {});

}  // namespace lorastudio
