// The live embedding's loop: apply a batch, iterate, or wait; publish frames no faster than asked.
#include "core/embed/live_embedding.h"

#include <chrono>
#include <limits>

#include "core/embed/tsne_state.h"
#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Points join by updating the nearest-neighbour affinities in place, also for the exact method.
TsneParams with_neighbour_affinities(TsneParams params) {
  params.neighbour_affinities = true;
  return params;
}

}  // namespace

LiveEmbedding::LiveEmbedding(const LiveEmbeddingParams& params)
    : params_(params), state_(std::make_unique<TsneState>(with_neighbour_affinities(params.tsne))) {
  if (!(params.max_frames_per_second > 0) || params.batch_iterations < 1 || params.settle_iterations < 0 || params.kl_every < 0)
    throw Error("live embedding: frames per second must be positive, batch iterations at least 1");
  kl_ = std::numeric_limits<double>::quiet_NaN();
}

LiveEmbedding::~LiveEmbedding() = default;

void LiveEmbedding::add_points(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) == 0) throw Error("live embedding: points must be a non-empty [M, D] matrix");
  auto copy = features.to(torch::kCPU, torch::kFloat32).clone();
  if (!torch::isfinite(copy).all().item<bool>()) throw Error("live embedding: the points hold NaN or Inf");
  std::lock_guard<std::mutex> lock(mutex_);
  if (dimension_ != 0 && copy.size(1) != dimension_)
    throw Error("live embedding: points of " + std::to_string(copy.size(1)) + " dimensions added to an embedding of " +
                std::to_string(dimension_));
  dimension_ = copy.size(1);
  pending_.push_back(std::move(copy));
  wake_.notify_all();
}

void LiveEmbedding::open_input() {
  std::lock_guard<std::mutex> lock(mutex_);
  input_open_ = true;
  wake_.notify_all();
}

void LiveEmbedding::close_input() {
  std::lock_guard<std::mutex> lock(mutex_);
  input_open_ = false;
  wake_.notify_all();
}

void LiveEmbedding::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = true;
}

void LiveEmbedding::resume() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = false;
  wake_.notify_all();
}

void LiveEmbedding::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = true;
  wake_.notify_all();
}

void LiveEmbedding::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  reset_ = true;
  pending_.clear();
  dimension_ = 0;
  wake_.notify_all();
}

bool LiveEmbedding::paused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return paused_;
}

LiveFrame LiveEmbedding::latest_frame() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

// Called with the mutex held.
LiveEmbedding::Next LiveEmbedding::next_action() {
  if (stop_) return Next::Stop;
  if (reset_) return Next::Reset;
  if (paused_) return Next::Wait;
  if (preparing_.valid())  // a batch in the making joins at its iteration (at once while nothing can move)
    return state_->points() < 2 || state_->iteration() >= commit_at_ ? Next::Commit : Next::Iterate;
  if (!pending_.empty()) return Next::Take;
  if (input_open_) return Next::Wait;  // the producer's next batch is due: wait for it
  const bool settled = since_batch_ >= params_.settle_iterations && state_->iteration() >= params_.tsne.iterations;
  if (state_->points() < 2 || settled) return Next::Wait;
  return Next::Iterate;
}

// Starts preparing `batch` on a helper thread (it reads only the points' features, never the positions).
void LiveEmbedding::take(const torch::Tensor& batch) {
  const TsneState* state = state_.get();
  preparing_ = std::async(std::launch::async, [state, batch] {
    torch::NoGradGuard no_grad;
    return state->prepare_points(batch);
  });
  commit_at_ = state_->iteration() + params_.batch_iterations;
}

// Waits for a preparation still running and drops it (before a reset or at the end).
void LiveEmbedding::finish_preparation() {
  if (!preparing_.valid()) return;
  try {
    preparing_.get();
  } catch (...) {
  }
}

void LiveEmbedding::publish(const FrameCallback& on_frame, bool force) {
  const double now = now_seconds(), period = 1.0 / params_.max_frames_per_second;
  if (!force && now < next_frame_time_) return;
  // The next frame is due one period after this one was; a frame late by more than a period restarts the
  // clock, so no burst follows a stall (at most max fps over any second).
  next_frame_time_ = next_frame_time_ + period < now ? now + period : next_frame_time_ + period;
  LiveFrame frame;
  frame.iteration = state_->iteration();
  frame.points = state_->points();
  frame.exaggerating = state_->exaggerating();
  frame.kl = kl_;
  frame.seconds = now - start_time_;
  const auto xy = state_->positions();
  frame.xy = std::make_shared<const std::vector<float>>(xy.data_ptr<float>(), xy.data_ptr<float>() + xy.numel());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    frame.batches = batches_;
    frame.settled = !input_open_ && pending_.empty() && !preparing_.valid() && since_batch_ >= params_.settle_iterations &&
                    state_->iteration() >= params_.tsne.iterations;
    latest_ = frame;
  }
  if (on_frame) on_frame(frame);
}

void LiveEmbedding::run(const FrameCallback& on_frame) {
  torch::NoGradGuard no_grad;
  start_time_ = next_frame_time_ = now_seconds();
  for (;;) {
    Next next;
    torch::Tensor batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return (next = next_action()) != Next::Wait; });
      if (next == Next::Take) {
        batch = pending_.front();
        pending_.pop_front();
      } else if (next == Next::Reset) {
        reset_ = false;
        since_batch_ = batches_ = 0;
      }
    }
    if (next == Next::Stop) break;
    if (next == Next::Reset) {
      finish_preparation();
      state_->reset();
      kl_ = std::numeric_limits<double>::quiet_NaN();
      publish(on_frame, true);
    } else if (next == Next::Take) {
      take(batch);
    } else if (next == Next::Commit) {
      state_->commit_points(preparing_.get());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        since_batch_ = 0;
        ++batches_;
      }
      publish(on_frame, false);  // shown with the next frame due: joining batches never break the cap
    } else {
      const bool evaluate = params_.kl_every > 0 && (state_->iteration() + 1) % params_.kl_every == 0;
      const double kl = state_->iterate(evaluate);
      if (evaluate) kl_ = kl;
      bool settled_now;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++since_batch_;
        settled_now = next_action() == Next::Wait;
      }
      publish(on_frame, settled_now);
    }
  }
  finish_preparation();
  publish(on_frame, true);
}

}  // namespace lorastudio::embed
