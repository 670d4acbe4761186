#include "app/gui/embedding_worker.h"

#include <QThread>

#include "app/gui/worker_thread.h"

#include "core/embed/live_embedding.h"
#include "core/util/error.h"

namespace lorastudio::gui {

EmbeddingWorker::EmbeddingWorker(const EmbeddingSettings& settings, QObject* parent) : QObject(parent) {
  qRegisterMetaType<lorastudio::gui::EmbeddingFrame>();
  embed::LiveEmbeddingParams params;
  params.tsne.perplexity = settings.perplexity;
  params.tsne.seed = settings.seed;
  params.tsne.cuda = settings.cuda;
  params.batch_iterations = settings.batch_iterations;
  live_ = std::make_unique<embed::LiveEmbedding>(params);
  thread_ = QThread::create([this] {
    lower_this_thread_priority();
    try {
      live_->run([this](const embed::LiveFrame& f) {
        EmbeddingFrame frame;
        frame.iteration = f.iteration;
        frame.points = static_cast<int>(f.points);
        frame.settled = f.settled;
        frame.kl = f.kl;
        frame.positions = f.xy;
        Q_EMIT frame_ready(frame);  // queued: the receiver lives on the GUI thread
      });
    } catch (const std::exception& e) {
      Q_EMIT failed(QString::fromUtf8(e.what()));
    }
  });
  thread_->setObjectName(QStringLiteral("embedding"));
  thread_->start(QThread::LowPriority);
}

EmbeddingWorker::~EmbeddingWorker() {
  live_->stop();
  thread_->wait();
  delete thread_;
}

void EmbeddingWorker::add_points(const std::vector<float>& rows, int64_t dims) {
  try {
    if (dims <= 0 || rows.empty() || rows.size() % static_cast<size_t>(dims) != 0)
      throw Error("points: " + std::to_string(rows.size()) + " values are not rows of " + std::to_string(dims));
    const auto count = static_cast<int64_t>(rows.size()) / dims;
    live_->add_points(torch::from_blob(const_cast<float*>(rows.data()), {count, dims}, torch::kFloat32));
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromUtf8(e.what()));
  }
}

void EmbeddingWorker::open_input() { live_->open_input(); }
void EmbeddingWorker::close_input() { live_->close_input(); }
void EmbeddingWorker::pause() { live_->pause(); }
void EmbeddingWorker::resume() { live_->resume(); }
void EmbeddingWorker::reset() { live_->reset(); }

}  // namespace lorastudio::gui
