// The live embedding: batches streaming in while the layout runs, frame-rate cap, warm starts at the
// nearest neighbour, determinism for a seed, pause / resume / stop / reset, and refused input.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/bench/sklearn_tsne_peer.h"
#include "core/embed/layout_quality.h"
#include "core/embed/live_embedding.h"
#include "core/embed/tsne_state.h"
#include "core/util/error.h"

using namespace lorastudio;
using namespace lorastudio::embed;

namespace {

LiveEmbeddingParams small_params(uint64_t seed = 0) {
  LiveEmbeddingParams p;
  p.tsne.iterations = 400;
  p.tsne.seed = seed;
  p.tsne.init = TsneInit::Random;  // the seed matters
  p.settle_iterations = 300;
  p.batch_iterations = 10;
  return p;
}

// Runs a live embedding on a worker thread, feeding `batches` through open/close; returns every frame.
std::vector<LiveFrame> stream(const LiveEmbeddingParams& params, const std::vector<torch::Tensor>& batches) {
  LiveEmbedding live(params);
  std::vector<LiveFrame> frames;
  std::thread worker([&] {
    live.run([&](const LiveFrame& f) {
      frames.push_back(f);
      if (f.settled) live.stop();
    });
  });
  live.open_input();
  for (const auto& b : batches) {
    live.add_points(b);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a producer slower than the layout
  }
  live.close_input();
  worker.join();
  return frames;
}

std::vector<torch::Tensor> in_batches(const torch::Tensor& x, int64_t parts) {
  std::vector<torch::Tensor> out;
  const int64_t step = (x.size(0) + parts - 1) / parts;
  for (int64_t s = 0; s < x.size(0); s += step) out.push_back(x.slice(0, s, std::min(x.size(0), s + step)));
  return out;
}

torch::Tensor layout(const LiveFrame& f) {
  return torch::from_blob(const_cast<float*>(f.xy->data()), {f.points, 2}, torch::kFloat32).clone();
}

}  // namespace

class TestLiveEmbedding : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void streamedBatchesSettleIntoClusters() {
    const auto data = own_blobs(300, 16, 1);
    const auto frames = stream(small_params(), in_batches(data.points, 6));
    QVERIFY(frames.size() > 3);
    int64_t points = 0;
    for (const auto& f : frames) {
      QVERIFY(f.points >= points);  // points only arrive
      QCOMPARE(static_cast<int64_t>(f.xy->size()), 2 * f.points);
      points = f.points;
    }
    const auto& last = frames.back();
    QCOMPARE(last.points, int64_t(300));
    QCOMPARE(last.batches, int64_t(6));
    QVERIFY(last.settled);
    QVERIFY(last.iteration >= 400);
    QVERIFY(std::isfinite(last.kl));
    const double agreement = neighbour_label_agreement(layout(last), data.labels);
    QVERIFY2(agreement > 0.9, qPrintable(QString::number(agreement)));
    // At most 30 frames a second, besides the frames forced by a batch or the settling.
    const double span = last.seconds - frames.front().seconds;
    QVERIFY2(static_cast<double>(frames.size()) <= span * 30 + 6 + 3, qPrintable(QString::number(frames.size())));
  }

  void sameSeedSameLayout() {
    const auto data = own_blobs(200, 8, 2);
    const auto batches = in_batches(data.points, 5);
    const auto a = stream(small_params(7), batches);
    const auto b = stream(small_params(7), batches);
    QVERIFY(torch::equal(layout(a.back()), layout(b.back())));
    QCOMPARE(a.back().iteration, b.back().iteration);
    // Wrong variant: another seed gives another layout.
    const auto c = stream(small_params(8), batches);
    QVERIFY(!torch::equal(layout(a.back()), layout(c.back())));
  }

  void newPointsStartAtTheirNearestNeighbour() {
    const auto data = own_blobs(200, 8, 3);
    TsneParams params;
    TsneState state(params);
    state.add_points(data.points);
    while (state.iteration() < 300) state.iterate();
    const auto before = state.positions();
    const std::vector<int64_t> picked{5, 50, 150};
    const auto copies = data.points.index_select(0, torch::tensor(picked)) + 1e-3;
    state.add_points(copies);
    const auto after = state.positions();
    QCOMPARE(after.size(0), int64_t(203));
    QVERIFY(torch::equal(after.slice(0, 0, 200), before));  // the layout is warm: nothing else moved
    const double spread = before.std().item<double>();
    for (size_t i = 0; i < picked.size(); ++i) {
      const double distance = (after[200 + static_cast<int64_t>(i)] - before[picked[i]]).norm().item<double>();
      QVERIFY2(distance < 0.01 * spread, qPrintable(QString::number(distance / spread)));
    }
  }

  void pauseResumeResetStop() {
    const auto data = own_blobs(200, 8, 4);
    auto params = small_params();
    params.settle_iterations = 1000000;  // keep iterating
    LiveEmbedding live(params);
    std::mutex mutex;
    LiveFrame last;
    std::atomic<int> frames{0};
    std::thread worker([&] {
      live.run([&](const LiveFrame& f) {
        std::lock_guard<std::mutex> lock(mutex);
        last = f;
        ++frames;
      });
    });
    const auto latest = [&] { std::lock_guard<std::mutex> lock(mutex); return last; };
    live.add_points(data.points);
    QTRY_VERIFY_WITH_TIMEOUT(latest().iteration > 20, 5000);
    live.pause();
    QVERIFY(live.paused());
    QTest::qWait(100);
    const int64_t paused_at = latest().iteration;
    QTest::qWait(200);
    QCOMPARE(latest().iteration, paused_at);  // no progress while paused
    live.resume();
    QTRY_VERIFY_WITH_TIMEOUT(latest().iteration > paused_at + 20, 5000);
    live.reset();
    QTRY_VERIFY_WITH_TIMEOUT(latest().points == 0, 5000);
    QCOMPARE(live.latest_frame().points, int64_t(0));
    live.add_points(data.points.slice(0, 0, 50));
    QTRY_VERIFY_WITH_TIMEOUT(latest().points == 50, 5000);
    live.stop();
    worker.join();  // run() returns after stop()
    QVERIFY(frames > 5);
  }

  void badBatchesAreRefused() {
    LiveEmbedding live(small_params());
    live.add_points(torch::randn({10, 4}));
    QVERIFY_THROWS_EXCEPTION(Error, live.add_points(torch::randn({10, 5})));   // another dimension
    QVERIFY_THROWS_EXCEPTION(Error, live.add_points(torch::full({3, 4}, NAN)));
    QVERIFY_THROWS_EXCEPTION(Error, live.add_points(torch::randn({0, 4})));
    auto params = small_params();
    params.max_frames_per_second = 0;
    QVERIFY_THROWS_EXCEPTION(Error, LiveEmbedding{params});
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_GUILESS_TEST_MAIN(TestLiveEmbedding)
#include "test_live_embedding.moc"
