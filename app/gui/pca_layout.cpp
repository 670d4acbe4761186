#include "app/gui/pca_layout.h"

#include <torch/torch.h>

#include "core/embed/pca_projection.h"
#include "core/util/error.h"

namespace lorastudio::gui {
namespace {

torch::Tensor as_tensor(const std::vector<float>& rows, int64_t dims) {
  return torch::from_blob(const_cast<float*>(rows.data()), {static_cast<int64_t>(rows.size()) / dims, dims}, torch::kFloat32);
}

}  // namespace

PcaLayout::PcaLayout() = default;
PcaLayout::~PcaLayout() = default;

void PcaLayout::fit(const std::vector<float>& rows, int64_t dims) {
  if (dims <= 0 || rows.size() % static_cast<size_t>(dims) != 0) throw Error("PCA view: rows of the wrong size");
  torch::NoGradGuard no_grad;
  projection_ = std::make_shared<const embed::PcaProjection>(embed::PcaProjection::fit(as_tensor(rows, dims), 2));
  dims_ = dims;
}

double PcaLayout::explained(int component) const {
  if (!projection_ || component >= projection_->size() || projection_->total_variance <= 0) return 0;
  return projection_->explained_variance[component].item<double>() / projection_->total_variance;
}

void PcaLayout::add(const std::vector<float>& rows) {
  if (!projection_ || rows.empty()) return;
  if (rows.size() % static_cast<size_t>(dims_) != 0) throw Error("PCA view: rows of the wrong size");
  torch::NoGradGuard no_grad;
  const torch::Tensor xy = projection_->transform(as_tensor(rows, dims_)).contiguous();
  positions_.insert(positions_.end(), xy.data_ptr<float>(), xy.data_ptr<float>() + xy.numel());
}

widgets::ScenePositions PcaLayout::positions() const { return std::make_shared<const std::vector<float>>(positions_); }

}  // namespace lorastudio::gui
