#pragma once
// Pretraining the stylizer to reproduce its input: L1 reconstruction of random patches of the training
// photos (core/imaging/photo_set.h), Adam, the learning rate falling linearly over the last fifth.
// Deterministic for a seed on the CPU; progress through a callback that can cancel.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "core/style/stylizer.h"

namespace lorastudio {

struct StylizerPretrainOptions {
  int64_t steps = 400;
  int64_t batch = 16;
  int64_t patch = 64;
  double lr = 2e-3;
  uint64_t seed = 0;
};

struct StylizerPretrainResult {
  bool cancelled = false;
  int64_t steps_done = 0;
  double final_loss = 0;  // mean L1 over the last 20 steps
};

// step (1-based), total, running L1; return false to cancel.
using StylizerProgress = std::function<bool(int64_t step, int64_t total, double loss)>;

StylizerPretrainResult pretrain_stylizer(Stylizer& stylizer, const std::vector<torch::Tensor>& images,
                                         const StylizerPretrainOptions& options, const StylizerProgress& progress = {});

// How well the stylizer reproduces `images`: PSNR on 32 fixed patches of them (no flips), without gradients.
double reproduction_psnr(Stylizer& stylizer, const std::vector<torch::Tensor>& images, int64_t patch);

}  // namespace lorastudio
