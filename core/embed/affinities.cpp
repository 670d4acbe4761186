// Perplexity calibration (vectorised over rows) and the symmetrisation of the neighbour graph.
#include "core/embed/affinities.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/embed/knn_search.h"
#include "core/embed/tsne_params.h"
#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

constexpr double kEntropyTolerance = 1e-5;
constexpr int kBisectionSteps = 100;

// One row-wise evaluation: normalised probabilities and the entropy difference for precisions `beta` [N, 1].
std::pair<torch::Tensor, torch::Tensor> evaluate(const torch::Tensor& d2, const torch::Tensor& beta, double log_perplexity) {
  auto p = torch::exp(-d2 * beta);
  auto sum = p.sum(1, true);
  sum = torch::where(sum == 0, torch::full_like(sum, 1e-8), sum);
  p = p / sum;
  // A zero probability at an excluded (huge) distance contributes 0, not inf * 0.
  const auto weighted = torch::where(p > 0, d2 * p, torch::zeros_like(p)).sum(1, true);
  const auto entropy = torch::log(sum) + beta * weighted;
  return {p, entropy - log_perplexity};
}

}  // namespace

torch::Tensor conditional_probabilities(const torch::Tensor& squared_distances, double perplexity) {
  const auto d2 = squared_distances.to(torch::kFloat64);
  const int64_t n = d2.size(0);
  const auto opts = d2.options();
  const double inf = std::numeric_limits<double>::infinity();
  auto beta = torch::ones({n, 1}, opts);
  auto beta_min = torch::full({n, 1}, -inf, opts), beta_max = torch::full({n, 1}, inf, opts);
  auto done = torch::zeros({n, 1}, opts.dtype(torch::kBool));
  auto result = torch::zeros_like(d2);
  const double log_perplexity = std::log(perplexity);
  for (int step = 0; step < kBisectionSteps; ++step) {
    auto [p, diff] = evaluate(d2, beta, log_perplexity);
    const auto converged = diff.abs() <= kEntropyTolerance;
    const auto newly = converged & ~done;
    result = torch::where(newly | (~done & (step == kBisectionSteps - 1)), p, result);
    done = done | converged;
    if (step % 8 == 7 && done.all().item<bool>()) break;
    const auto too_flat = diff > 0;  // entropy too high: sharpen (raise beta)
    beta_min = torch::where(too_flat & ~done, beta, beta_min);
    beta_max = torch::where(~too_flat & ~done, beta, beta_max);
    const auto up = torch::where(torch::isinf(beta_max), beta * 2.0, (beta + beta_max) / 2.0);
    const auto down = torch::where(torch::isinf(beta_min), beta / 2.0, (beta + beta_min) / 2.0);
    beta = torch::where(done, beta, torch::where(too_flat, up, down));
  }
  // Rows still unsettled when the loop ended early take their last evaluation.
  const auto last = evaluate(d2, beta, log_perplexity).first;
  return torch::where(done, result, last);
}

NeighbourGraph neighbour_graph(const torch::Tensor& points, int64_t k) {
  const auto nn = nearest_neighbours(points, k);
  NeighbourGraph g;
  g.points = points.size(0);
  g.k = k;
  g.index.assign(nn.indices.data_ptr<int64_t>(), nn.indices.data_ptr<int64_t>() + nn.indices.numel());
  g.distance.assign(nn.distances.data_ptr<double>(), nn.distances.data_ptr<double>() + nn.distances.numel());
  return g;
}

std::vector<int64_t> extend_neighbour_graph(NeighbourGraph& g, const torch::Tensor& existing, const torch::Tensor& added) {
  const int64_t n = existing.size(0), m = added.size(0), k = g.k;
  const auto all = torch::cat({existing, added}).to(torch::kFloat32);
  // The new rows: k + 1 nearest among all points (a tree over all of them), less the point itself.
  const auto fresh = nearest_neighbours(all, added.to(torch::kFloat32), std::min(k + 1, n + m));
  std::vector<int64_t> changed;
  // Old rows: merge in the new points closer than the current k-th neighbour.
  const auto d2 = torch::cdist(existing.to(torch::kFloat64), added.to(torch::kFloat64)).square_().contiguous();
  const double* cross = d2.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    bool touched = false;
    for (int64_t j = 0; j < m; ++j) {
      double* dist = &g.distance[i * k];
      int64_t* index = &g.index[i * k];
      const double d = cross[i * m + j];
      if (!(d < dist[k - 1])) continue;
      int64_t pos = k - 1;
      for (; pos > 0 && dist[pos - 1] > d; --pos) {
        dist[pos] = dist[pos - 1];
        index[pos] = index[pos - 1];
      }
      dist[pos] = d;
      index[pos] = n + j;
      touched = true;
    }
    if (touched) changed.push_back(i);
  }
  const auto* fi = fresh.indices.data_ptr<int64_t>();
  const auto* fd = fresh.distances.data_ptr<double>();
  const int64_t found = fresh.indices.size(1);
  for (int64_t j = 0; j < m; ++j) {
    int64_t written = 0;
    for (int64_t r = 0; r < found && written < k; ++r) {
      if (fi[j * found + r] == n + j) continue;
      g.index.push_back(fi[j * found + r]);
      g.distance.push_back(fd[j * found + r]);
      ++written;
    }
  }
  g.points = n + m;
  for (int64_t i = n; i < n + m; ++i) changed.push_back(i);
  return changed;
}

namespace {

// scikit-learn's _binary_search_perplexity for one row of k squared distances.
void bisect_row(const double* d2, int64_t k, double log_perplexity, float* out) {
  double beta = 1.0, beta_min = -std::numeric_limits<double>::infinity(), beta_max = std::numeric_limits<double>::infinity();
  std::vector<double> p(k);
  for (int step = 0; step < kBisectionSteps; ++step) {
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) sum += (p[j] = std::exp(-d2[j] * beta));
    if (sum == 0) sum = 1e-8;
    double weighted = 0;
    for (int64_t j = 0; j < k; ++j) {
      p[j] /= sum;
      weighted += d2[j] * p[j];
    }
    const double diff = std::log(sum) + beta * weighted - log_perplexity;
    if (std::fabs(diff) <= kEntropyTolerance) break;
    if (diff > 0) {
      beta_min = beta;
      beta = std::isinf(beta_max) ? beta * 2.0 : (beta + beta_max) / 2.0;
    } else {
      beta_max = beta;
      beta = std::isinf(beta_min) ? beta / 2.0 : (beta + beta_min) / 2.0;
    }
  }
  for (int64_t j = 0; j < k; ++j) out[j] = static_cast<float>(p[j]);
}

}  // namespace

void conditional_rows(const NeighbourGraph& g, double perplexity, std::vector<float>& conditional,
                      const std::vector<int64_t>& rows) {
  conditional.resize(static_cast<size_t>(g.points * g.k));
  const double log_perplexity = std::log(perplexity);
  const int64_t count = rows.empty() ? g.points : static_cast<int64_t>(rows.size());
  at::parallel_for(0, count, 32, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = rows.empty() ? r : rows[r];
      bisect_row(&g.distance[i * g.k], g.k, log_perplexity, &conditional[i * g.k]);
    }
  });
}

SparseAffinities symmetrize(const NeighbourGraph& g, const std::vector<float>& conditional) {
  const int64_t n = g.points, k = g.k;
  // P + P^T: each row gets its own entries and its transposed ones; duplicates merge.
  std::vector<int64_t> fill(n, 0);
  for (int64_t i = 0; i < n * k; ++i) ++fill[g.index[i]];
  std::vector<int64_t> start(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) start[i + 1] = start[i] + k + fill[i];
  std::vector<std::pair<int64_t, float>> entries(static_cast<size_t>(start[n]));
  std::vector<int64_t> cursor(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < k; ++r) {
      const int64_t j = g.index[i * k + r];
      const float v = conditional[i * k + r];
      entries[cursor[i]++] = {j, v};
      entries[cursor[j]++] = {i, v};
    }
  // Per row (in parallel): sort by column and merge duplicates in place.
  std::vector<int64_t> unique(n, 0);
  std::vector<double> row_total(n, 0.0);
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto first = entries.begin() + start[i], last = entries.begin() + start[i + 1];
      std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
      int64_t out = start[i];
      for (int64_t e = start[i]; e < start[i + 1]; ++e) {
        row_total[i] += entries[e].second;
        if (out > start[i] && entries[out - 1].first == entries[e].first) entries[out - 1].second += entries[e].second;
        else entries[out++] = entries[e];
      }
      unique[i] = out - start[i];
    }
  });
  SparseAffinities p;
  p.points = n;
  p.row_start.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) p.row_start[i + 1] = p.row_start[i] + unique[i];
  double total = 0;
  for (double t : row_total) total += t;
  const float scale = static_cast<float>(1.0 / std::max(total, std::numeric_limits<double>::epsilon()));
  p.column.resize(static_cast<size_t>(p.row_start[n]));
  p.value.resize(static_cast<size_t>(p.row_start[n]));
  at::parallel_for(0, n, 256, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int64_t e = 0; e < unique[i]; ++e) {
        p.column[p.row_start[i] + e] = entries[start[i] + e].first;
        p.value[p.row_start[i] + e] = entries[start[i] + e].second * scale;
      }
  });
  return p;
}

SparseAffinities sparse_affinities(const torch::Tensor& points, double perplexity) {
  const int64_t n = points.size(0);
  if (n < 2) throw Error("t-SNE: needs at least 2 points");
  const auto graph = neighbour_graph(points, neighbour_count(perplexity, n));
  std::vector<float> conditional;
  conditional_rows(graph, perplexity, conditional);
  return symmetrize(graph, conditional);
}

namespace {

// All pairs' squared distances [N, N] float64 on `device`; the diagonal excluded (the largest double).
torch::Tensor pairwise_squared_distances(const torch::Tensor& points, const torch::Device& device) {
  if (points.size(0) < 2) throw Error("t-SNE: needs at least 2 points");
  const auto x = points.to(device, torch::kFloat64);
  const auto norms = x.pow(2).sum(1, true);
  auto d2 = (norms + norms.t() - 2.0 * x.mm(x.t())).clamp_min(0);
  d2.fill_diagonal_(std::numeric_limits<double>::max());
  return d2;
}

}  // namespace

torch::Tensor dense_neighbour_affinities(const torch::Tensor& points, double perplexity, const torch::Device& device) {
  const int64_t n = points.size(0), k = neighbour_count(perplexity, n);
  auto d2 = pairwise_squared_distances(points, device);
  const auto [distance, index] = d2.topk(k, 1, /*largest=*/false, /*sorted=*/true);
  d2 = torch::Tensor();
  const auto conditional = conditional_probabilities(distance, perplexity).to(torch::kFloat32);
  auto p = torch::zeros({n, n}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  p.scatter_(1, index, conditional);
  p = p + p.t();
  return p.div_(p.sum().clamp_min(std::numeric_limits<float>::epsilon()));
}

torch::Tensor dense_affinities(const torch::Tensor& points, double perplexity, const torch::Device& device) {
  auto d2 = pairwise_squared_distances(points, device);
  auto p = conditional_probabilities(d2, perplexity);
  d2 = torch::Tensor();
  p = p + p.t();
  p = p / p.sum().clamp_min(std::numeric_limits<double>::epsilon());
  return p.to(torch::kFloat32);
}

torch::Tensor to_dense(const SparseAffinities& p, const torch::Device& device) {
  auto rows = torch::empty({p.entries()}, torch::kInt64);
  auto* r = rows.data_ptr<int64_t>();
  for (int64_t i = 0; i < p.points; ++i)
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) r[e] = i;
  const auto columns = torch::from_blob(const_cast<int64_t*>(p.column.data()), {p.entries()}, torch::kInt64);
  const auto values = torch::from_blob(const_cast<float*>(p.value.data()), {p.entries()}, torch::kFloat32);
  auto dense = torch::zeros({p.points, p.points}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  dense.index_put_({rows.to(device), columns.to(device)}, values.to(device));
  return dense;
}

}  // namespace lorastudio::embed
