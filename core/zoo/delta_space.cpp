#include "core/zoo/delta_space.h"

#include <cmath>

#include <torch/torch.h>

#include "core/util/error.h"
#include "core/zoo/zoo_layout.h"

namespace lorastudio {
namespace {

torch::Tensor unbalanced_rows(const ZooLayout& layout, const torch::Tensor& X) {
  if (X.dim() != 2 || X.size(1) != layout.dim())
    throw Error("ΔW distances: rows must be [N, " + std::to_string(layout.dim()) + "] in the zoo's layout");
  const torch::Tensor s = layout.unbalance_scales();
  const torch::Tensor x = X.to(torch::kDouble);
  return s.defined() ? x * s.to(x.device()) : x;
}

double module_scale(const ZooLayout& layout, const ZooModuleLayout& m) {
  const double r = static_cast<double>(m.rank);
  return layout.use_rslora() ? m.alpha / std::sqrt(r) : m.alpha / r;
}

// Σ over modules of scale² · Σ_pq (B_xᵀB_y)_pq (A_x A_yᵀ)_pq, for unbalanced float64 rows.
torch::Tensor gram_of_unbalanced(const ZooLayout& layout, const torch::Tensor& x, const torch::Tensor& y) {
  torch::Tensor g = torch::zeros({x.size(0), y.size(0)}, x.options());
  for (const auto& m : layout.modules()) {
    const auto ax = x.narrow(1, m.offset_A, m.size_A()).reshape({x.size(0), m.rank, m.in_features});
    const auto ay = y.narrow(1, m.offset_A, m.size_A()).reshape({y.size(0), m.rank, m.in_features});
    const auto bx = x.narrow(1, m.offset_B, m.size_B()).reshape({x.size(0), m.out_features, m.rank});
    const auto by = y.narrow(1, m.offset_B, m.size_B()).reshape({y.size(0), m.out_features, m.rank});
    const torch::Tensor btb = torch::einsum("nop,moq->nmpq", {bx, by});
    const torch::Tensor aat = torch::einsum("npi,mqi->nmpq", {ax, ay});
    const double s = module_scale(layout, m);
    g += (btb * aat).sum({2, 3}) * (s * s);
  }
  return g;
}

}  // namespace

torch::Tensor delta_gram(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y) {
  return gram_of_unbalanced(layout, unbalanced_rows(layout, X), unbalanced_rows(layout, Y));
}

// ||ΔW_x|| per unbalanced row: each row's Gram with itself.
static torch::Tensor norms_of_unbalanced(const ZooLayout& layout, const torch::Tensor& x) {
  torch::Tensor sq = torch::empty({x.size(0)}, x.options());
  for (int64_t i = 0; i < x.size(0); ++i) {
    const torch::Tensor row = x.narrow(0, i, 1);
    sq[i] = gram_of_unbalanced(layout, row, row)[0][0];
  }
  return sq.clamp_min(0).sqrt();
}

torch::Tensor delta_norms(const ZooLayout& layout, const torch::Tensor& X) {
  return norms_of_unbalanced(layout, unbalanced_rows(layout, X));
}

torch::Tensor delta_distances(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y) {
  const torch::Tensor x = unbalanced_rows(layout, X), y = unbalanced_rows(layout, Y);
  const torch::Tensor nx = norms_of_unbalanced(layout, x).square(), ny = norms_of_unbalanced(layout, y).square();
  const torch::Tensor d2 = nx.unsqueeze(1) + ny.unsqueeze(0) - 2 * gram_of_unbalanced(layout, x, y);
  return d2.clamp_min(0).sqrt();
}

torch::Tensor delta_cosines(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y) {
  const torch::Tensor norms = delta_norms(layout, X).unsqueeze(1) * delta_norms(layout, Y).unsqueeze(0);
  return delta_gram(layout, X, Y) / norms.clamp_min(1e-300);
}

}  // namespace lorastudio
