// Barnes-Hut and exact t-SNE gradients, and the exact KL for the benchmark.
#include "core/embed/tsne_gradient.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

#include "core/cuda/tsne_exact_cuda.h"
#include "core/embed/quadtree.h"

namespace lorastudio::embed {
namespace {

constexpr double kTiny = std::numeric_limits<float>::min();  // scikit-learn's FLOAT32_TINY

struct Repulsion {
  double x = 0, y = 0, z = 0;  // sum of w^2 (y_i - y_j) and sum of w (= this point's share of Z)
};

Repulsion repulsion_of(const Quadtree& tree, float px, float py, float theta2) {
  double rx = 0, ry = 0, rz = 0;
  const Quadtree::Node* nodes = tree.nodes().data();
  int32_t stack[4 * 64 + 8];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Quadtree::Node& c = nodes[stack[--top]];
    if (c.count == 0) continue;
    const float dx = px - c.mass_x, dy = py - c.mass_y, d2 = dx * dx + dy * dy;
    const bool leaf = c.first_child < 0;
    if (leaf && d2 == 0) {  // this point's own leaf: the others there add to Z but pull nowhere
      rz += c.count - 1;
    } else if (leaf || c.width2 < theta2 * d2) {
      const float w = 1.0f / (1.0f + d2), nw = static_cast<float>(c.count) * w, nww = nw * w;
      rz += nw;
      rx += nww * dx;
      ry += nww * dy;
    } else {
      const int32_t first = c.first_child;
      stack[top++] = first + 3;
      stack[top++] = first + 2;
      stack[top++] = first + 1;
      stack[top++] = first;
    }
  }
  return {rx, ry, rz};
}

}  // namespace

double barnes_hut_gradient(const SparseAffinities& p, const float* xy, float* gradient, const GradientOptions& options) {
  const int64_t n = p.points;
  const Quadtree tree(xy, n);
  std::vector<Repulsion> repulsion(n);
  const float theta2 = static_cast<float>(options.theta * options.theta);
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) repulsion[i] = repulsion_of(tree, xy[2 * i], xy[2 * i + 1], theta2);
  });
  double z = 0;
  for (const auto& r : repulsion) z += r.z;
  z = std::max(z, std::numeric_limits<double>::epsilon());
  std::vector<double> kl_rows(options.compute_kl ? n : 0, 0.0);
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double ax = 0, ay = 0, kl = 0;
      const double xi = xy[2 * i], yi = xy[2 * i + 1];
      for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
        const int64_t j = p.column[e];
        const double dx = xi - xy[2 * j], dy = yi - xy[2 * j + 1];
        const double w = 1.0 / (1.0 + dx * dx + dy * dy), pij = p.value[e];
        const double pull = options.exaggeration * pij * w;
        ax += pull * dx;
        ay += pull * dy;
        if (options.compute_kl) kl += pij * std::log(std::max(pij, kTiny) / std::max(w / z, kTiny));
      }
      gradient[2 * i] = static_cast<float>(4.0 * (ax - repulsion[i].x / z));
      gradient[2 * i + 1] = static_cast<float>(4.0 * (ay - repulsion[i].y / z));
      if (options.compute_kl) kl_rows[i] = kl;
    }
  });
  if (!options.compute_kl) return std::numeric_limits<double>::quiet_NaN();
  double kl = 0;
  for (double v : kl_rows) kl += v;
  return kl;
}

std::pair<torch::Tensor, double> exact_gradient(const torch::Tensor& positions, const torch::Tensor& p,
                                                const GradientOptions& options) {
  if (!options.compute_kl)
    if (auto fused = fused_exact_tsne_gradient(positions, p, options.exaggeration))
      return {*fused, std::numeric_limits<double>::quiet_NaN()};
  const auto x = positions.select(1, 0), y = positions.select(1, 1);
  auto w = ((x.unsqueeze(1) - x.unsqueeze(0)).square_() + (y.unsqueeze(1) - y.unsqueeze(0)).square_()).add_(1.0).reciprocal_();
  w.fill_diagonal_(0.0);
  const auto z = w.sum().clamp_min(std::numeric_limits<float>::epsilon());
  double kl = std::numeric_limits<double>::quiet_NaN();
  if (options.compute_kl) {
    const auto q = (w / z).clamp_min(kTiny);
    kl = (p * torch::log(p.clamp_min(kTiny) / q)).sum().item<double>();
  }
  // (e P - W / Z) * W, then 4 (rowsum * y_i - M y).
  auto m = (p * options.exaggeration).sub_(w / z).mul_(w);
  auto gradient = (m.sum(1, true) * positions - m.mm(positions)).mul_(4.0);
  return {gradient, kl};
}

double exact_kl_divergence(const SparseAffinities& p, const torch::Tensor& positions) {
  const auto y = positions.to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = y.size(0), block = 1024;
  double z = 0;
  for (int64_t start = 0; start < n; start += block) {
    const auto rows = y.slice(0, start, std::min(n, start + block));
    const auto d2 = torch::cdist(rows, y).square_();
    z += d2.add_(1.0).reciprocal_().sum().item<double>() - static_cast<double>(rows.size(0));  // less the diagonal
  }
  const auto* xy = y.data_ptr<double>();
  double kl = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
      const int64_t j = p.column[e];
      const double dx = xy[2 * i] - xy[2 * j], dy = xy[2 * i + 1] - xy[2 * j + 1];
      const double q = 1.0 / (1.0 + dx * dx + dy * dy) / z, pij = p.value[e];
      if (pij > 0) kl += pij * std::log(pij / std::max(q, kTiny));
    }
  return kl;
}

}  // namespace lorastudio::embed
