// nanoflann k-d tree over a float32 row-major matrix; queries run in parallel (at::parallel_for).
#include "core/embed/knn_search.h"

#include <ATen/Parallel.h>
#include <nanoflann.hpp>

#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

// nanoflann's dataset interface over a contiguous [N, D] float32 block.
struct RowMatrix {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
  size_t kdtree_get_point_count() const { return static_cast<size_t>(rows); }
  float kdtree_get_pt(size_t row, size_t col) const { return data[row * cols + col]; }
  template <class Box>
  bool kdtree_get_bbox(Box&) const { return false; }
};

using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Adaptor<float, RowMatrix, double>, RowMatrix, -1, int64_t>;

torch::Tensor as_rows(const torch::Tensor& t, const char* what) {
  if (t.dim() != 2) throw Error(std::string("nearest neighbours: ") + what + " must be a matrix");
  auto rows = t.to(torch::kCPU, torch::kFloat32).contiguous();
  if (!torch::isfinite(rows).all().item<bool>()) throw Error(std::string("nearest neighbours: ") + what + " hold NaN or Inf");
  return rows;
}

// Runs the queries; with `skip_self`, query i is row i of the reference and is dropped from its own list.
Neighbours search(const torch::Tensor& reference, const torch::Tensor& queries, int64_t k, bool skip_self) {
  const int64_t n = reference.size(0), m = queries.size(0);
  const int64_t available = skip_self ? n - 1 : n;
  if (k < 1 || k > available)
    throw Error("nearest neighbours: " + std::to_string(k) + " neighbours asked of " + std::to_string(available) + " points");
  RowMatrix matrix{reference.data_ptr<float>(), n, reference.size(1)};
  Tree tree(static_cast<int>(matrix.cols), matrix, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  tree.buildIndex();
  Neighbours out{torch::empty({m, k}, torch::kInt64), torch::empty({m, k}, torch::kFloat64)};
  auto* out_index = out.indices.data_ptr<int64_t>();
  auto* out_dist = out.distances.data_ptr<double>();
  const float* query_data = queries.data_ptr<float>();
  const int64_t asked = skip_self ? k + 1 : k;
  at::parallel_for(0, m, 16, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> index(asked);
    std::vector<double> dist(asked);
    for (int64_t i = begin; i < end; ++i) {
      const size_t found = tree.knnSearch(query_data + i * matrix.cols, asked, index.data(), dist.data());
      int64_t written = 0;
      for (size_t r = 0; r < found && written < k; ++r) {
        if (skip_self && index[r] == i) continue;
        out_index[i * k + written] = index[r];
        out_dist[i * k + written] = dist[r];
        ++written;
      }
    }
  });
  return out;
}

}  // namespace

Neighbours nearest_neighbours(const torch::Tensor& points, int64_t k) {
  const auto rows = as_rows(points, "the points");
  return search(rows, rows, k, true);
}

Neighbours nearest_neighbours(const torch::Tensor& reference, const torch::Tensor& queries, int64_t k) {
  const auto ref = as_rows(reference, "the reference points");
  const auto q = as_rows(queries, "the queries");
  if (q.size(1) != ref.size(1)) throw Error("nearest neighbours: queries and reference differ in dimension");
  return search(ref, q, k, false);
}

}  // namespace lorastudio::embed
