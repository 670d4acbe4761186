#pragma once
// A t-SNE optimisation that can grow: points are added between iterations (each starts at its nearest
// embedded neighbour's position), the affinities are recomputed and the layout goes on from where it was.
// The same calls in the same order give the same layout (everything random derives from params.seed).
//
//   TsneState state(params);
//   state.add_points(features);            // [M, D]
//   while (state.iteration() < 1000) state.iterate();
//   auto xy = state.positions();           // [N, 2]
#include <cstdint>
#include <random>

#include <torch/torch.h>

#include "core/embed/affinities.h"
#include "core/embed/tsne_params.h"

namespace lorastudio::embed {

class TsneState {
 public:
  explicit TsneState(const TsneParams& params);  // throws Error for invalid params

  // Adds rows of `features` [M, D] (D fixed by the first call). The first points start from PCA (or random)
  // initialisation; later ones at their nearest existing point, jittered.
  void add_points(const torch::Tensor& features);
  void reset();  // no points, iteration 0

  // One gradient step; returns KL(P || Q) when `compute_kl` (NaN otherwise). Does nothing below 2 points.
  double iterate(bool compute_kl = false);

  int64_t iteration() const { return iteration_; }
  int64_t points() const { return features_.defined() ? features_.size(0) : 0; }
  bool exaggerating() const { return iteration_ < params_.exaggeration_iterations; }
  TsneMethod method() const { return method_; }
  const TsneParams& params() const { return params_; }
  torch::Tensor positions() const;            // [N, 2] float32 CPU copy
  const SparseAffinities& sparse_p() const { return sparse_p_; }  // Barnes-Hut only

 private:
  void refresh_affinities(int64_t added);
  torch::Tensor initial_positions(const torch::Tensor& features);
  torch::Tensor placed_positions(const torch::Tensor& features);
  torch::Tensor gradient(double exaggeration, bool compute_kl, double* kl);

  TsneParams params_;
  TsneMethod method_;
  torch::Device device_;
  std::mt19937_64 random_;
  torch::Tensor features_;   // [N, D] float32 CPU
  torch::Tensor position_;   // [N, 2] float32 on device_
  torch::Tensor update_, gains_;
  NeighbourGraph graph_;             // Barnes-Hut: kept so that new points update it in place
  std::vector<float> conditional_;
  SparseAffinities sparse_p_;
  torch::Tensor dense_p_;
  int64_t iteration_ = 0;
};

}  // namespace lorastudio::embed
