#pragma once
// The gradient of t-SNE's objective KL(P || Q) with Student-t (one degree of freedom) similarities in 2-D:
//   dC/dy_i = 4 * sum_j (e * p_ij - q_ij) w_ij (y_i - y_j),  w_ij = 1 / (1 + |y_i - y_j|^2),  q_ij = w_ij / Z
// with e the early exaggeration. The Barnes-Hut form sums the attraction over P's sparse entries and
// approximates the repulsion with a quadtree; the exact form uses every pair (LibTorch ops, CPU or CUDA).
#include <cstdint>

#include <torch/torch.h>

#include "core/embed/affinities.h"

namespace lorastudio::embed {

struct GradientOptions {
  double exaggeration = 1.0;
  double theta = 0.5;        // Barnes-Hut only
  bool compute_kl = false;   // also the objective KL(P || Q) (with P unexaggerated)
};

// Writes the gradient for positions `xy` (x0, y0, x1, ...; N = p.points) into `gradient` (same layout).
// Returns KL when asked (NaN otherwise). Parallel over points; deterministic for any thread count.
double barnes_hut_gradient(const SparseAffinities& p, const float* xy, float* gradient, const GradientOptions& options);

// Positions [N, 2] and dense P [N, N] on one device; returns {gradient [N, 2], KL or NaN}.
std::pair<torch::Tensor, double> exact_gradient(const torch::Tensor& positions, const torch::Tensor& p,
                                                const GradientOptions& options);

// KL(P || Q) of an embedding for sparse P with the exact Q over all pairs (blocked LibTorch, O(N^2) time,
// O(N) memory): how the benchmark scores both sides on equal terms.
double exact_kl_divergence(const SparseAffinities& p, const torch::Tensor& positions);

}  // namespace lorastudio::embed
