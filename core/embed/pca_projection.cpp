// PCA by an eigendecomposition in float64: of the D x D covariance when D <= N, else of the N x N Gram matrix.
#include "core/embed/pca_projection.h"

#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

// Columns of `vectors` [D, k] are the components; flips each so its largest-magnitude score is positive.
torch::Tensor flip_signs(const torch::Tensor& centred, torch::Tensor vectors) {
  const auto scores = centred.mm(vectors);                       // [N, k]
  const auto largest = scores.abs().argmax(0);                   // [k]
  const auto picked = scores.gather(0, largest.unsqueeze(0));    // [1, k]
  return vectors * torch::where(picked < 0, -1.0, 1.0).to(vectors.scalar_type());
}

}  // namespace

PcaProjection PcaProjection::fit(const torch::Tensor& data, int64_t wanted) {
  if (data.dim() != 2 || data.size(0) < 2) throw Error("PCA: needs a matrix of at least 2 rows");
  if (!torch::isfinite(data).all().item<bool>()) throw Error("PCA: the data hold NaN or Inf");
  const int64_t n = data.size(0), d = data.size(1);
  const int64_t k = std::max<int64_t>(1, std::min({wanted, n, d}));
  const auto x = data.to(torch::kCPU, torch::kFloat64);
  const auto mean = x.mean(0);
  const auto centred = x - mean;
  torch::Tensor vectors, values;  // vectors [D, k], values [k], descending
  if (d <= n) {
    const auto covariance = centred.t().mm(centred) / static_cast<double>(n - 1);
    auto [evals, evecs] = torch::linalg_eigh(covariance);
    values = evals.flip(0).slice(0, 0, k);
    vectors = evecs.flip(1).slice(1, 0, k);
  } else {
    const auto gram = centred.mm(centred.t()) / static_cast<double>(n - 1);
    auto [evals, evecs] = torch::linalg_eigh(gram);
    values = evals.flip(0).slice(0, 0, k);
    vectors = centred.t().mm(evecs.flip(1).slice(1, 0, k));
    vectors = vectors / vectors.norm(2, 0, true).clamp_min(1e-300);
  }
  vectors = flip_signs(centred, vectors);
  PcaProjection pca;
  pca.mean = mean.to(torch::kFloat32);
  pca.components = vectors.t().contiguous().to(torch::kFloat32);
  pca.explained_variance = values.clamp_min(0);
  pca.total_variance = centred.pow(2).sum().item<double>() / static_cast<double>(n - 1);
  return pca;
}

torch::Tensor PcaProjection::transform(const torch::Tensor& data) const {
  if (data.dim() != 2 || data.size(1) != dimension())
    throw Error("PCA: data of " + std::to_string(data.dim() == 2 ? data.size(1) : -1) + " columns for a projection of " +
                std::to_string(dimension()));
  return (data.to(torch::kCPU, torch::kFloat32) - mean).mm(components.t());
}

double PcaProjection::explained_ratio() const {
  return total_variance > 0 ? explained_variance.sum().item<double>() / total_variance : 1.0;
}

torch::Tensor pca_initialisation(const torch::Tensor& data) {
  const auto pca = PcaProjection::fit(data, 2);
  auto y = pca.transform(data);
  if (y.size(1) < 2) y = torch::cat({y, torch::zeros({y.size(0), 2 - y.size(1)})}, 1);
  const double sd = y.select(1, 0).std(/*unbiased=*/false).item<double>();
  return (sd > 0 ? y / sd * 1e-4 : y).contiguous();
}

}  // namespace lorastudio::embed
