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

torch::Tensor TsneState::random_positions(int64_t count) {
  std::normal_distribution<float> normal(0.0f, 1e-4f);
  auto xy = torch::empty({count, 2}, torch::kFloat32);
  for (int64_t i = 0; i < xy.numel(); ++i) xy.data_ptr<float>()[i] = normal(random_);
  return xy;
}

torch::Tensor TsneState::placed_positions(const torch::Tensor& anchors) {
  const auto current = position_.to(torch::kCPU);
  const auto anchor = current.index_select(0, anchors);
  const double spread = std::max(current.std().item<double>(), 1e-4);
  std::normal_distribution<float> normal(0.0f, static_cast<float>(1e-3 * spread));
  auto jitter = torch::empty_like(anchor);
  for (int64_t i = 0; i < jitter.numel(); ++i) jitter.data_ptr<float>()[i] = normal(random_);
  return anchor + jitter;
}

PreparedPoints TsneState::prepare_points(const torch::Tensor& added) const {
  if (added.dim() != 2 || added.size(0) == 0) throw Error("t-SNE: points must be a non-empty [M, D] matrix");
  PreparedPoints prepared;
  prepared.base_points = points();
  prepared.added = added.to(torch::kCPU, torch::kFloat32).contiguous();
  if (!torch::isfinite(prepared.added).all().item<bool>()) throw Error("t-SNE: the points hold NaN or Inf");
  if (features_.defined() && prepared.added.size(1) != features_.size(1))
    throw Error("t-SNE: points of " + std::to_string(prepared.added.size(1)) + " dimensions added to an embedding of " +
                std::to_string(features_.size(1)));
  if (features_.defined() && device_.is_cuda()) {
    prepared.anchors = torch::cdist(prepared.added.to(device_), features_.to(device_)).argmin(1).cpu().contiguous();
  } else if (features_.defined()) {
    prepared.anchors = nearest_neighbours(features_, prepared.added, 1).indices.select(1, 0).contiguous();
  } else if (prepared.added.size(0) >= 2 && params_.init == TsneInit::Pca) {
    prepared.initial = pca_initialisation(prepared.added);
  }
  const auto all = features_.defined() ? torch::cat({features_, prepared.added}) : prepared.added;
  if (all.size(0) >= 2) prepare_affinities(all, prepared);
  return prepared;
}

void TsneState::prepare_affinities(const torch::Tensor& all, PreparedPoints& prepared) const {
  const bool dense = method_ != TsneMethod::BarnesHut;
  if (dense && !params_.neighbour_affinities) {
    prepared.dense_p = dense_affinities(all, params_.perplexity, device_);
    return;
  }
  if (dense && device_.is_cuda()) {  // the whole P anew on the GPU: faster than updating the graph on the CPU
    prepared.dense_p = dense_neighbour_affinities(all, params_.perplexity, device_);
    return;
  }
  const int64_t k = neighbour_count(params_.perplexity, all.size(0));
  const int64_t old = features_.defined() ? features_.size(0) : 0;
  if (graph_.k == k && graph_.points == old) {  // update the neighbour lists in place of a copy
    prepared.graph = graph_;
    prepared.conditional = conditional_;
    const auto changed = extend_neighbour_graph(prepared.graph, features_, prepared.added);
    prepared.conditional.resize(static_cast<size_t>(prepared.graph.points * k));
    conditional_rows(prepared.graph, params_.perplexity, prepared.conditional, changed);
  } else {
    prepared.graph = neighbour_graph(all, k);
    conditional_rows(prepared.graph, params_.perplexity, prepared.conditional);
  }
  prepared.sparse_p = symmetrize(prepared.graph, prepared.conditional);
  if (dense) prepared.dense_p = to_dense(prepared.sparse_p, device_);
}

void TsneState::commit_points(PreparedPoints&& prepared) {
  const int64_t m = prepared.added.size(0);
  if (prepared.base_points != points()) throw Error("t-SNE: prepared points committed out of order");
  torch::Tensor xy;
  if (features_.defined()) xy = placed_positions(prepared.anchors);
  else xy = prepared.initial.defined() ? prepared.initial : random_positions(m);
  features_ = features_.defined() ? torch::cat({features_, prepared.added}) : prepared.added;
  const auto fresh = xy.to(device_);
  position_ = position_.defined() ? torch::cat({position_, fresh}) : fresh;
  const auto zeros = torch::zeros({m, 2}, position_.options()), ones = torch::ones({m, 2}, position_.options());
  update_ = update_.defined() ? torch::cat({update_, zeros}) : zeros;
  gains_ = gains_.defined() ? torch::cat({gains_, ones}) : ones;
  graph_ = std::move(prepared.graph);
  conditional_ = std::move(prepared.conditional);
  sparse_p_ = std::move(prepared.sparse_p);
  dense_p_ = prepared.dense_p;
}

void TsneState::add_points(const torch::Tensor& added) { commit_points(prepare_points(added)); }

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
