#include "core/embed/layout_quality.h"

#include <algorithm>

#include "core/embed/knn_search.h"
#include "core/util/error.h"

namespace lorastudio::embed {

double neighbour_label_agreement(const torch::Tensor& layout, const torch::Tensor& labels, int64_t k) {
  if (labels.dim() != 1 || labels.size(0) != layout.size(0)) throw Error("layout quality: one label per point expected");
  k = std::min<int64_t>(k, layout.size(0) - 1);
  if (k < 1) return 1.0;
  const auto nn = nearest_neighbours(layout, k).indices;
  const auto l = labels.to(torch::kInt64);
  const auto same = l.index_select(0, nn.reshape(-1)).reshape(nn.sizes()) == l.unsqueeze(1);
  return same.to(torch::kFloat64).mean().item<double>();
}

double neighbour_preservation(const torch::Tensor& input, const torch::Tensor& layout, int64_t k) {
  if (input.size(0) != layout.size(0)) throw Error("layout quality: input and layout differ in points");
  k = std::min<int64_t>(k, layout.size(0) - 1);
  if (k < 1) return 1.0;
  const auto high = nearest_neighbours(input, k).indices, low = nearest_neighbours(layout, k).indices;
  // For every pair of lists count the shared entries (k is small: compare all k x k).
  const auto shared = (high.unsqueeze(2) == low.unsqueeze(1)).any(2);
  return shared.to(torch::kFloat64).mean().item<double>();
}

}  // namespace lorastudio::embed
