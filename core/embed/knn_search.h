#pragma once
// Exact k-nearest neighbours in Euclidean space through nanoflann's k-d tree (a maintained header-only
// library, Debian's libnanoflann-dev): what the sparse t-SNE affinities and the placement of new points
// in the live embedding are built on.
#include <torch/torch.h>

namespace lorastudio::embed {

struct Neighbours {
  torch::Tensor indices;    // [M, K] int64
  torch::Tensor distances;  // [M, K] float64, squared Euclidean, ascending per row
};

// The k nearest other points of every row of `points` [N, D] (a point is never its own neighbour).
Neighbours nearest_neighbours(const torch::Tensor& points, int64_t k);

// The k nearest rows of `reference` [N, D] to each row of `queries` [M, D].
Neighbours nearest_neighbours(const torch::Tensor& reference, const torch::Tensor& queries, int64_t k);

}  // namespace lorastudio::embed
