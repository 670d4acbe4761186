// The optimiser of van der Maaten's reference as scikit-learn runs it: gains and momentum restart when the
// exaggeration phase ends (scikit-learn calls its gradient descent twice).
#include "core/embed/tsne_state.h"

#include <limits>

#include "core/embed/knn_search.h"
#include "core/embed/pca_projection.h"
#include "core/embed/tsne_gradient.h"
#include "core/util/error.h"

namespace lorastudio::embed {

TsneState::TsneState(const TsneParams& params)
    : params_(params), method_(resolved_method(params)), device_(params.cuda ? torch::kCUDA : torch::kCPU),
      random_(params.seed) {
  validate(params_);
  if (params.cuda && !torch::cuda::is_available()) throw Error("t-SNE: CUDA was asked for but is not available");
}

void TsneState::reset() {
  features_ = position_ = update_ = gains_ = dense_p_ = torch::Tensor();
  sparse_p_ = SparseAffinities();
  graph_ = NeighbourGraph();
  conditional_.clear();
  iteration_ = 0;
  random_.seed(params_.seed);
}

torch::Tensor TsneState::initial_positions(const torch::Tensor& features) {
  if (features.size(0) >= 2 && params_.init == TsneInit::Pca) return pca_initialisation(features);
  std::normal_distribution<float> normal(0.0f, 1e-4f);
  auto xy = torch::empty({features.size(0), 2}, torch::kFloat32);
  for (int64_t i = 0; i < xy.numel(); ++i) xy.data_ptr<float>()[i] = normal(random_);
  return xy;
}

torch::Tensor TsneState::placed_positions(const torch::Tensor& features) {
  const auto nearest = nearest_neighbours(features_, features, 1).indices.select(1, 0);
  const auto current = position_.to(torch::kCPU);
  const auto anchor = current.index_select(0, nearest);
  const double spread = std::max(current.std().item<double>(), 1e-4);
  std::normal_distribution<float> normal(0.0f, static_cast<float>(1e-3 * spread));
  auto jitter = torch::empty_like(anchor);
  for (int64_t i = 0; i < jitter.numel(); ++i) jitter.data_ptr<float>()[i] = normal(random_);
  return anchor + jitter;
}

void TsneState::add_points(const torch::Tensor& added) {
  if (added.dim() != 2 || added.size(0) == 0) throw Error("t-SNE: points must be a non-empty [M, D] matrix");
  const auto features = added.to(torch::kCPU, torch::kFloat32).contiguous();
  if (!torch::isfinite(features).all().item<bool>()) throw Error("t-SNE: the points hold NaN or Inf");
  if (features_.defined() && features.size(1) != features_.size(1))
    throw Error("t-SNE: points of " + std::to_string(features.size(1)) + " dimensions added to an embedding of " +
                std::to_string(features_.size(1)));
  const auto xy = features_.defined() ? placed_positions(features) : initial_positions(features);
  const int64_t m = features.size(0);
  features_ = features_.defined() ? torch::cat({features_, features}) : features;
  const auto fresh = xy.to(device_);
  position_ = position_.defined() ? torch::cat({position_, fresh}) : fresh;
  const auto zeros = torch::zeros({m, 2}, position_.options()), ones = torch::ones({m, 2}, position_.options());
  update_ = update_.defined() ? torch::cat({update_, zeros}) : zeros;
  gains_ = gains_.defined() ? torch::cat({gains_, ones}) : ones;
  refresh_affinities(m);
}

void TsneState::refresh_affinities(int64_t added) {
  if (points() < 2) return;
  if (method_ == TsneMethod::BarnesHut) {
    const int64_t k = neighbour_count(params_.perplexity, points());
    if (graph_.k == k && graph_.points == points() - added) {  // update the neighbour lists in place
      const int64_t old = graph_.points;
      const auto changed = extend_neighbour_graph(graph_, features_.slice(0, 0, old), features_.slice(0, old));
      conditional_.resize(static_cast<size_t>(graph_.points * k));
      conditional_rows(graph_, params_.perplexity, conditional_, changed);
    } else {
      graph_ = neighbour_graph(features_, k);
      conditional_rows(graph_, params_.perplexity, conditional_);
    }
    sparse_p_ = symmetrize(graph_, conditional_);
  } else {
    dense_p_ = dense_affinities(features_, params_.perplexity, device_);
  }
}

torch::Tensor TsneState::gradient(double exaggeration, bool compute_kl, double* kl) {
  GradientOptions options;
  options.exaggeration = exaggeration;
  options.theta = params_.theta;
  options.compute_kl = compute_kl;
  if (method_ == TsneMethod::BarnesHut) {
    auto grad = torch::empty_like(position_);
    *kl = barnes_hut_gradient(sparse_p_, position_.data_ptr<float>(), grad.data_ptr<float>(), options);
    return grad;
  }
  auto [grad, value] = exact_gradient(position_, dense_p_, options);
  *kl = value;
  return grad;
}

double TsneState::iterate(bool compute_kl) {
  if (points() < 2) return std::numeric_limits<double>::quiet_NaN();
  const bool early = exaggerating();
  if (iteration_ == params_.exaggeration_iterations && iteration_ > 0) {  // scikit-learn's second descent
    update_.zero_();
    gains_.fill_(1.0);
  }
  double kl = std::numeric_limits<double>::quiet_NaN();
  auto grad = gradient(early ? params_.early_exaggeration : 1.0, compute_kl, &kl);
  const double momentum = early ? params_.initial_momentum : params_.final_momentum;
  const double rate = effective_learning_rate(params_, points());
  const auto increase = (update_ * grad) < 0;
  gains_ = torch::where(increase, gains_ + 0.2, gains_ * 0.8).clamp_min_(params_.min_gain);
  grad.mul_(gains_);
  update_.mul_(momentum).sub_(grad, rate);
  position_.add_(update_);
  ++iteration_;
  return kl;
}

torch::Tensor TsneState::positions() const {
  if (!position_.defined()) return torch::zeros({0, 2}, torch::kFloat32);
  return position_.to(torch::kCPU).clone();
}

}  // namespace lorastudio::embed
