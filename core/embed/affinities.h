#pragma once
// t-SNE's input similarities P: per point a Gaussian whose width gives the wanted perplexity (a bisection on
// its precision, as in van der Maaten's reference and scikit-learn), then p_ij = (p_j|i + p_i|j) / sum.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace lorastudio::embed {

// Symmetric joint probabilities over the nearest-neighbour graph, in compressed rows (no diagonal).
struct SparseAffinities {
  int64_t points = 0;
  std::vector<int64_t> row_start;  // N + 1 offsets into column/value
  std::vector<int64_t> column;
  std::vector<float> value;        // sums to 1
  int64_t entries() const { return static_cast<int64_t>(column.size()); }
};

// Each point's nearest neighbours, row-major [N, k], ascending squared distances.
struct NeighbourGraph {
  int64_t points = 0, k = 0;
  std::vector<int64_t> index;
  std::vector<double> distance;  // squared Euclidean
};

NeighbourGraph neighbour_graph(const torch::Tensor& points, int64_t k);

// Adds the rows of `added` [M, D] to a graph over `existing` [N, D]: the new points get their k nearest
// among all N + M, and an old point's list takes in every new point closer than its k-th (exact, no
// rebuild). Returns the rows whose lists changed (the new rows included).
std::vector<int64_t> extend_neighbour_graph(NeighbourGraph& graph, const torch::Tensor& existing,
                                            const torch::Tensor& added);

// p_j|i over a graph's rows (scalar bisection per row, parallel over rows): writes rows `rows` of
// `conditional` (N * k values; all rows when `rows` is empty).
void conditional_rows(const NeighbourGraph& graph, double perplexity, std::vector<float>& conditional,
                      const std::vector<int64_t>& rows = {});

// P = (P_cond + P_cond^T) / sum over the graph.
SparseAffinities symmetrize(const NeighbourGraph& graph, const std::vector<float>& conditional);

// p_j|i for squared distances [N, K] (float64; +inf or a huge value excludes an entry): rows sum to 1 and
// have perplexity `perplexity` to 1e-5 in entropy (at most 100 bisection steps). Runs on dist2's device.
torch::Tensor conditional_probabilities(const torch::Tensor& squared_distances, double perplexity);

// Sparse P over each point's min(N - 1, 3 * perplexity + 1) nearest neighbours (Barnes-Hut t-SNE).
SparseAffinities sparse_affinities(const torch::Tensor& points, double perplexity);

// Dense P [N, N] over all pairs (exact t-SNE), float32 on `device`.
torch::Tensor dense_affinities(const torch::Tensor& points, double perplexity, const torch::Device& device);

// The neighbour affinities of sparse_affinities() — each point's min(N - 1, 3 * perplexity + 1) nearest
// neighbours, calibrated, P + P^T normalised — built whole on `device` as a dense [N, N] float32 matrix:
// all-pairs distances, top-k and the bisection as tensor ops. On a GPU this takes milliseconds for 10^4
// points, where the incremental CPU graph takes a tenth of a second per batch (the live embedding's joins).
torch::Tensor dense_neighbour_affinities(const torch::Tensor& points, double perplexity, const torch::Device& device);

// The dense form of sparse affinities [N, N] float32, built on `device` (for tests and the exact method
// over neighbour affinities).
torch::Tensor to_dense(const SparseAffinities& p, const torch::Device& device = torch::kCPU);

}  // namespace lorastudio::embed
