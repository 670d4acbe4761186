#pragma once
// One t-SNE run from data to layout, with progress and cancel.
#include <functional>

#include <torch/torch.h>

#include "core/embed/tsne_params.h"

namespace lorastudio::embed {

struct TsneResult {
  torch::Tensor embedding;     // [N, 2] float32 CPU
  double kl = 0;               // the objective at the last iteration (Barnes-Hut: with its approximate Q)
  int iterations = 0;
  bool cancelled = false;
  TsneMethod method = TsneMethod::BarnesHut;
  double affinity_seconds = 0, optimisation_seconds = 0;
};

// Called every `report_every` iterations and after the last; return false to cancel.
using TsneProgress = std::function<bool(int iteration, int total, double kl)>;

TsneResult run_tsne(const torch::Tensor& data, const TsneParams& params, const TsneProgress& progress = {},
                    int report_every = 50);

}  // namespace lorastudio::embed
