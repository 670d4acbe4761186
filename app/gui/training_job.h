#pragma once
// Training a generator from the studio: train_generator() on a thread of its own, with its progress (a loss
// point every few steps) as queued signals. pause() holds it at the next report until resume(); cancel()
// stops it there, and the trainer saves its state, so a new job with `resume` continues the run. Destroying
// the job cancels it and waits for the state to be saved.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <QObject>
#include <QString>

#include "widgets/training_monitor.h"

namespace lorastudio::gui {

struct TrainingRequest {
  QString zoo, config, output;
  bool resume = false;
  qint64 ae_steps = 0, diffusion_steps = 0;  // 0: the config's
  qint64 report_every = 10;
};

struct TrainingOutcome {
  bool cancelled = false;
  QString output;
  double seconds = 0;
  double autoencoder_loss = 0, diffusion_loss = 0;
  double reconstruction_error = 0;      // relative, over the zoo
  double reconstruction_to_spread = 0;  // ≪ 1 needed (see generator_trainer.h)
};

class TrainingJob : public QObject {
  Q_OBJECT
 public:
  explicit TrainingJob(TrainingRequest request, QObject* parent = nullptr);
  ~TrainingJob() override;
  void start();  // after connecting: a bad zoo or config fails at once, and a signal sent before it is lost
  void pause();
  void resume();
  void cancel();
  bool paused();
  const TrainingRequest& request() const { return request_; }

 Q_SIGNALS:
  void started(qint64 autoencoder_steps, qint64 diffusion_steps, qint64 checkpoints, qint64 tasks);
  void progressed(const lorastudio::widgets::TrainingProgressView& progress);
  void paused_at(const QString& stage, qint64 step);  // the thread is now holding
  void finished(const lorastudio::gui::TrainingOutcome& outcome);
  void failed(const QString& message);

 private:
  void run();
  bool on_report();  // on the training thread: hold while paused; false when cancelled

  TrainingRequest request_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool paused_ = false;
  std::atomic<bool> cancelled_{false};
  QString stage_;
  qint64 step_ = 0;
  std::thread thread_;
};

}  // namespace lorastudio::gui

Q_DECLARE_METATYPE(lorastudio::widgets::TrainingProgressView)
Q_DECLARE_METATYPE(lorastudio::gui::TrainingOutcome)
