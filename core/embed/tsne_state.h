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

// New points with their affinities computed, ready to join: what TsneState::prepare_points returns. The
// preparation reads only the points' features, so it may run on another thread while iterate() goes on.
struct PreparedPoints {
  int64_t base_points = 0;        // the points there were when it was prepared
  torch::Tensor added;            // [M, D]
  torch::Tensor anchors;          // [M] nearest existing point of each (undefined for the first points)
  torch::Tensor initial;          // [M, 2] start of the first points (PCA or random)
  NeighbourGraph graph;           // Barnes-Hut
  std::vector<float> conditional;
  SparseAffinities sparse_p;
  torch::Tensor dense_p;          // exact
};

class TsneState {
 public:
  explicit TsneState(const TsneParams& params);  // throws Error for invalid params

  // Adds rows of `features` [M, D] (D fixed by the first call). The first points start from PCA (or random)
  // initialisation; later ones at their nearest existing point, jittered.
  void add_points(const torch::Tensor& features);  // commit_points(prepare_points(features))
  void reset();  // no points, iteration 0

  // The two halves of add_points. prepare_points is const and touches no positions: it may run on another
  // thread while this one iterates. Commit what was prepared before anything else is added.
  PreparedPoints prepare_points(const torch::Tensor& features) const;
  void commit_points(PreparedPoints&& prepared);

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
  void prepare_affinities(const torch::Tensor& all, PreparedPoints& prepared) const;
  torch::Tensor random_positions(int64_t count);
  torch::Tensor placed_positions(const torch::Tensor& anchors);
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
