#include "app/gui/training_job.h"

#include <chrono>

#include "app/gui/worker_thread.h"
#include "core/generator/generator_config.h"
#include "core/generator/generator_trainer.h"
#include "core/zoo/zoo.h"

namespace lorastudio::gui {

TrainingJob::TrainingJob(TrainingRequest request, QObject* parent) : QObject(parent), request_(std::move(request)) {
  qRegisterMetaType<lorastudio::widgets::TrainingProgressView>();
  qRegisterMetaType<lorastudio::gui::TrainingOutcome>();
}

void TrainingJob::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    lower_this_thread_priority();
    run();
  });
}

TrainingJob::~TrainingJob() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void TrainingJob::pause() {
  const std::lock_guard lock(mutex_);
  paused_ = true;
}

void TrainingJob::resume() {
  {
    const std::lock_guard lock(mutex_);
    paused_ = false;
  }
  wake_.notify_all();
}

bool TrainingJob::paused() {
  const std::lock_guard lock(mutex_);
  return paused_;
}

void TrainingJob::cancel() {
  {
    const std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  wake_.notify_all();
}

bool TrainingJob::on_report() {
  std::unique_lock lock(mutex_);
  if (paused_ && !cancelled_) {
    Q_EMIT paused_at(stage_, step_);
    wake_.wait(lock, [this] { return !paused_ || cancelled_; });
  }
  return !cancelled_;
}

void TrainingJob::run() {
  const auto start = std::chrono::steady_clock::now();
  try {
    GeneratorConfig config = GeneratorConfig::load(request_.config.toStdString());
    if (request_.ae_steps > 0) config.train.ae_steps = request_.ae_steps;
    if (request_.diffusion_steps > 0) config.train.diffusion_steps = request_.diffusion_steps;
    const Zoo zoo = Zoo::open(request_.zoo.toStdString());
    const qint64 ae_total = config.autoencoder.kind == "pca" ? 0 : config.train.ae_steps;  // fitted, not trained
    const qint64 diffusion_total = config.train.diffusion_steps;
    Q_EMIT started(ae_total, diffusion_total, zoo.checkpoint_count(), static_cast<qint64>(zoo.tasks().size()));
    const auto report = [&](const TrainProgress& p) {
      widgets::TrainingProgressView view;
      view.stage = QString::fromStdString(p.stage);
      view.step = p.step;
      view.total = p.total;
      view.offset = p.stage == "diffusion" ? ae_total : 0;
      view.run_total = ae_total + diffusion_total;
      view.loss = p.loss;
      view.learning_rate = p.learning_rate;
      view.steps_per_second = p.steps_per_second;
      {
        const std::lock_guard lock(mutex_);
        stage_ = view.stage;
        step_ = p.step;
      }
      Q_EMIT progressed(view);
      return on_report();
    };
    const TrainResult r = train_generator(zoo, config, request_.output.toStdString(), request_.resume, report,
                                          std::max<qint64>(1, request_.report_every));
    TrainingOutcome outcome;
    outcome.cancelled = r.cancelled;
    outcome.output = QString::fromStdString(r.output_dir.empty() ? request_.output.toStdString() : r.output_dir);
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome.autoencoder_loss = r.final_autoencoder_loss;
    outcome.diffusion_loss = r.final_diffusion_loss;
    outcome.reconstruction_error = r.reconstruction_error;
    outcome.reconstruction_to_spread = r.reconstruction_to_spread;
    Q_EMIT finished(outcome);
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromUtf8(e.what()));
  }
}

}  // namespace lorastudio::gui
