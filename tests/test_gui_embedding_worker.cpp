// The embedding worker: points streamed in from the GUI thread come back as frames, queued on the GUI
// thread, until the layout settles; bad input is reported through failed(), never thrown.
#include <QtTest/QtTest>

#include <QSignalSpy>

#include "app/gui/embedding_worker.h"
#include "core/bench/sklearn_tsne_peer.h"
#include "core/embed/layout_quality.h"

using namespace lorastudio;
using lorastudio::gui::EmbeddingFrame;
using lorastudio::gui::EmbeddingWorker;

namespace {

std::vector<float> rows_of(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

class TestGuiEmbeddingWorker : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void framesArriveOnTheGuiThreadUntilSettled() {
    const auto data = own_blobs(240, 12, 5);
    EmbeddingWorker worker(gui::EmbeddingSettings{});
    EmbeddingFrame last;
    int frames = 0;
    bool on_gui_thread = true;
    connect(&worker, &EmbeddingWorker::frame_ready, this, [&](const EmbeddingFrame& f) {
      on_gui_thread = on_gui_thread && QThread::currentThread() == thread();
      last = f;
      ++frames;
    });
    QSignalSpy failures(&worker, &EmbeddingWorker::failed);
    worker.open_input();
    for (int64_t start = 0; start < 240; start += 60) worker.add_points(rows_of(data.points.slice(0, start, start + 60)), 12);
    worker.close_input();
    QTRY_VERIFY_WITH_TIMEOUT(last.settled, 30000);
    QVERIFY(on_gui_thread);
    QCOMPARE(last.points, 240);
    QVERIFY(frames >= 4);
    QCOMPARE(failures.count(), 0);
    const auto layout = torch::from_blob(const_cast<float*>(last.positions->data()), {240, 2}, torch::kFloat32).clone();
    QVERIFY(embed::neighbour_label_agreement(layout, data.labels) > 0.9);
  }

  void badPointsAreReported() {
    EmbeddingWorker worker(gui::EmbeddingSettings{});
    QSignalSpy failures(&worker, &EmbeddingWorker::failed);
    worker.add_points({1, 2, 3, 4, 5, 6}, 3);
    worker.add_points({1, 2, 3, 4}, 4);     // another dimension
    worker.add_points({1, 2, 3}, 2);        // not whole rows
    worker.add_points({NAN, 1, 2}, 3);
    QCOMPARE(failures.count(), 3);
    QVERIFY(failures.at(0).first().toString().contains(QStringLiteral("dimensions")));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_GUI_TEST_MAIN(TestGuiEmbeddingWorker)
#include "test_gui_embedding_worker.moc"
