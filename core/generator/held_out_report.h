#pragma once
// Generation for a condition the generator never trained on, measured against that task's own checkpoints,
// which were kept out of the zoo: are the samples closer to the held-out task than to any training task?
#include <string>

#include <torch/types.h>

#include "core/generator/memorization_report.h"

namespace lorastudio {

struct HeldOutReport {
  double to_hidden = 0;            // mean over samples of the distance to the nearest hidden checkpoint
  double to_training = 0;          // mean over samples of the distance to the nearest training checkpoint
  std::string nearest_training_task;  // the training task most samples are nearest to
  double ratio = 0;                // to_hidden / to_training: < 1 the samples found the held-out task
  double closer_to_hidden = 0;     // share of samples nearer a hidden checkpoint than any training one
  double hidden_spread = 0;        // the hidden checkpoints' median nearest-other distance (their own scale)
};

// `hidden` [H, D] and `generated` [N, D] in the zoo's flat space.
HeldOutReport held_out_report(const Zoo& zoo, const torch::Tensor& hidden, const torch::Tensor& generated,
                              ReportSpace space = ReportSpace::DeltaW);

}  // namespace lorastudio
