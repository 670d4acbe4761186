#pragma once
// The live t-SNE behind the studio's trajectory view: points arrive while the layout runs (checkpoints,
// then every denoising step of every sample), each new point starts at its nearest embedded neighbour and
// the layout is warm-started; frames (immutable copies) are published at most max_frames_per_second.
//
// A batch is taken, its affinities are prepared on a helper thread while the layout goes on, and it joins
// batch_iterations iterations later (waiting for the preparation if it is slower), so frames keep coming
// while points arrive.
//
// Threads: run() is the worker's loop (it returns after stop()); everything else may be called from any
// thread. Determinism: with the input opened before points arrive (open_input ... close_input), batch b is
// taken when batch b-1 joins (waiting for it if it is late) and joins batch_iterations later, so the same
// seed and batches give the same layout however fast the producer and the machine are. Without open_input
// a batch is taken at the first iteration after it arrives.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include <torch/torch.h>

#include "core/embed/tsne_params.h"
#include "core/embed/tsne_state.h"

namespace lorastudio::embed {


struct LiveEmbeddingParams {
  TsneParams tsne;                  // tsne.iterations: the least iterations of a first layout
  double max_frames_per_second = 30;
  int batch_iterations = 10;        // iterations between taking a batch and its joining
  int settle_iterations = 750;      // after the last batch, iterate this many more, then idle
  int kl_every = 50;                // iterations between two KL evaluations (0: never)
};

struct LiveFrame {
  int64_t iteration = 0;            // since the start or the last reset
  int64_t points = 0;
  int64_t batches = 0;              // batches applied
  bool exaggerating = false;
  bool settled = false;             // idle until new points arrive
  double kl = 0;                    // the latest evaluation (NaN before the first)
  double seconds = 0;               // since run() started
  std::shared_ptr<const std::vector<float>> xy;  // x0, y0, x1, y1, ... (points * 2 values)
};

using FrameCallback = std::function<void(const LiveFrame&)>;

class LiveEmbedding {
 public:
  explicit LiveEmbedding(const LiveEmbeddingParams& params);  // throws Error for invalid params
  ~LiveEmbedding();
  LiveEmbedding(const LiveEmbedding&) = delete;
  LiveEmbedding& operator=(const LiveEmbedding&) = delete;

  void add_points(const torch::Tensor& features);  // [M, D], queued as one batch (a copy is kept)
  void open_input();   // a producer is streaming: wait for its batches (see above)
  void close_input();  // no more batches expected for now
  void pause();
  void resume();
  void stop();         // run() returns after its current iteration
  void reset();        // drop every point and start over (pending batches too)

  bool paused() const;
  LiveFrame latest_frame() const;

  void run(const FrameCallback& on_frame);

 private:
  enum class Next { Stop, Reset, Take, Commit, Iterate, Wait };
  Next next_action();
  void publish(const FrameCallback& on_frame, bool force);
  void take(const torch::Tensor& batch);
  void finish_preparation();

  LiveEmbeddingParams params_;
  std::unique_ptr<TsneState> state_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<torch::Tensor> pending_;
  std::future<PreparedPoints> preparing_;  // the batch taken, its affinities in the making
  int64_t commit_at_ = 0;                  // the iteration it joins at
  bool input_open_ = false, paused_ = false, stop_ = false, reset_ = false;
  int64_t since_batch_ = 0, batches_ = 0;
  int64_t dimension_ = 0;  // of the points, fixed by the first batch (0: none yet)
  double kl_ = 0;
  double start_time_ = 0, next_frame_time_ = 0;  // frames are due on a fixed clock of 1 / max fps
  LiveFrame latest_;
};

}  // namespace lorastudio::embed
