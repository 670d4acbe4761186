#pragma once
// The live t-SNE on a worker thread for the trajectory view: points go in from any thread, frames (immutable
// position copies) come out as queued signals on the receiver's thread, at most 30 a second.
#include <cstdint>
#include <memory>
#include <vector>

#include <QObject>
#include <QString>

#include "widgets/trajectory_scene.h"

namespace lorastudio::embed {
class LiveEmbedding;
}

namespace lorastudio::gui {

struct EmbeddingFrame {
  int64_t iteration = 0;
  int points = 0;
  bool settled = false;
  double kl = 0;
  widgets::ScenePositions positions;
};

struct EmbeddingSettings {
  double perplexity = 30;
  uint64_t seed = 0;
  bool cuda = false;
  int batch_iterations = 10;
};

class EmbeddingWorker : public QObject {
  Q_OBJECT
 public:
  explicit EmbeddingWorker(const EmbeddingSettings& settings, QObject* parent = nullptr);
  ~EmbeddingWorker() override;  // stops the layout and waits for its thread

  // Rows of `dims` values each. Bad input (another dimension, NaN) is reported through failed().
  void add_points(const std::vector<float>& rows, int64_t dims);
  void open_input();
  void close_input();
  void pause();
  void resume();
  void reset();

 Q_SIGNALS:
  void frame_ready(const lorastudio::gui::EmbeddingFrame& frame);
  void failed(const QString& message);

 private:
  std::unique_ptr<embed::LiveEmbedding> live_;
  QThread* thread_ = nullptr;
};

}  // namespace lorastudio::gui

Q_DECLARE_METATYPE(lorastudio::gui::EmbeddingFrame)
