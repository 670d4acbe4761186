#pragma once
// Principal component analysis: t-SNE's initialisation, a view of its own, and the projection that puts
// checkpoints, generated adapters and sampling steps into one space (fitted on the checkpoints, applied to
// everything). Signs follow scikit-learn's svd_flip (u-based): in each component the fitted point with the
// largest absolute score scores positive, so a fit is deterministic.
#include <torch/torch.h>

namespace lorastudio::embed {

struct PcaProjection {
  torch::Tensor mean;                // [D] float32
  torch::Tensor components;          // [k, D] float32, orthonormal rows, by decreasing variance
  torch::Tensor explained_variance;  // [k] float64, variance along each component (ddof 1)
  double total_variance = 0;         // of the fitted data (ddof 1)

  // Fits `components` (at most min(N, D)) on data [N, D]. Throws Error for fewer than 2 rows or NaN/Inf.
  static PcaProjection fit(const torch::Tensor& data, int64_t components);
  torch::Tensor transform(const torch::Tensor& data) const;  // [M, D] -> [M, k] float32
  int64_t dimension() const { return mean.numel(); }
  int64_t size() const { return components.size(0); }
  double explained_ratio() const;  // share of the total variance the components keep
};

// scikit-learn's t-SNE initialisation: the first two principal components, scaled so that the first has a
// standard deviation of 1e-4. Returns [N, 2] float32.
torch::Tensor pca_initialisation(const torch::Tensor& data);

}  // namespace lorastudio::embed
