// The training monitor's dock: a generator trained on a zoo from the window, with live loss curves, pause and
// continue, cancel (the state is saved) and resume; a synthetic zoo in a second when no real one is at hand.
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QSettings>
#include <QStatusBar>

#include "app/gui/studio_window.h"
#include "app/gui/training_job.h"
#include "app/gui/worker_thread.h"
#include "core/util/xdg_paths.h"
#include "core/util/error.h"
#include "core/world/zoo_world.h"
#include "core/zoo/synthetic_zoo.h"
#include "widgets/training_monitor.h"

namespace lorastudio::gui {

namespace {

QString cache_dir(const QString& sub) { return QDir(QString::fromStdString(user_cache_dir())).filePath(sub); }

QString timestamp() { return QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")); }

}  // namespace

void StudioWindow::build_training_dock() {
  training_monitor_ = new widgets::TrainingMonitor(this);
  training_dock_ = add_dock(tr("Train"), QStringLiteral("train"), training_monitor_, Qt::RightDockWidgetArea);
  if (auto* interpolate = findChild<QDockWidget*>(QStringLiteral("interpolate"))) {  // a tab beside it
    tabifyDockWidget(interpolate, training_dock_);
    interpolate->raise();
  }
  connect(training_monitor_, &widgets::TrainingMonitor::train_requested, this, &StudioWindow::start_training);
  connect(training_monitor_, &widgets::TrainingMonitor::pause_requested, this, &StudioWindow::pause_training);
  connect(training_monitor_, &widgets::TrainingMonitor::cancel_requested, this, &StudioWindow::cancel_training);
  connect(training_monitor_, &widgets::TrainingMonitor::synthetic_zoo_requested, this, &StudioWindow::make_synthetic_zoo);
  connect(training_monitor_, &widgets::TrainingMonitor::open_in_studio_requested, this, &StudioWindow::open_trained_generator);
}

void StudioWindow::restore_training_form() {
  const QStringList saved = QSettings().value(QStringLiteral("training/form")).toStringList();
  if (saved.size() != 5) return;
  training_monitor_->set_form({saved[0], saved[1], saved[2], saved[3].toInt(), saved[4].toInt()});
}

void StudioWindow::set_configs_dir(const QString& dir) {
  configs_dir_ = dir;
  QStringList paths;
  for (const auto& name : QDir(dir).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) paths << QDir(dir).filePath(name);
  training_monitor_->set_configs(paths);
}

void StudioWindow::make_synthetic_zoo() {
  const QString dir = cache_dir(QStringLiteral("zoos/synthetic-") + timestamp());
  statusBar()->showMessage(tr("Building a synthetic zoo in %1…").arg(dir));
  run_in_worker(
      this,
      [this, dir]() -> Continuation {
        const Zoo zoo = lorastudio::make_synthetic_zoo(dir.toStdString());
        const qint64 checkpoints = zoo.checkpoint_count();
        return [this, dir, checkpoints] {
          widgets::TrainingForm form = training_monitor_->form();
          form.zoo = dir;
          const QString small = QDir(configs_dir_).filePath(QStringLiteral("text_task_small.json"));
          if (QFileInfo::exists(small)) form.config = small;  // its conditions are text
          form.output = cache_dir(QStringLiteral("generators/synthetic-") + timestamp());
          training_monitor_->set_form(form);
          training_monitor_->set_state(widgets::TrainingMonitor::State::Idle,
                                       tr("Synthetic zoo ready (%1 checkpoints, text conditions; not real adapters). Train when ready.")
                                           .arg(checkpoints));
          Q_EMIT synthetic_zoo_ready(dir);
        };
      },
      [this](const QString& message) { show_error(message); }, QStringLiteral("synthetic zoo"));
}

void StudioWindow::start_training(bool resume) {
  if (training_) return;
  const widgets::TrainingForm form = training_monitor_->form();
  QString missing = form.zoo.isEmpty() ? tr("a zoo") : form.config.isEmpty() ? tr("a config") : form.output.isEmpty() ? tr("an output directory") : QString();
  if (!missing.isEmpty()) {
    training_monitor_->set_state(widgets::TrainingMonitor::State::Failed, tr("Training needs %1.").arg(missing));
    show_error(tr("Training needs %1").arg(missing));
    return;
  }
  if (!resume && QFileInfo::exists(form.output + QStringLiteral("/state/state.json"))) {
    const QString message = tr("%1 holds a stopped training run: Resume run continues it; for a new run pick another output "
                               "directory").arg(form.output);
    training_monitor_->set_state(widgets::TrainingMonitor::State::Failed, message);
    show_error(message);
    return;
  }
  QSettings().setValue(QStringLiteral("training/form"), QStringList{form.zoo, form.config, form.output,
                                                                    QString::number(form.ae_steps), QString::number(form.diffusion_steps)});
  if (!resume) training_monitor_->clear_curves();
  TrainingRequest request{form.zoo, form.config, form.output, resume, form.ae_steps, form.diffusion_steps};
  training_run_ = qMakePair(form.output, form.zoo);  // what Open in studio opens once it has finished
  training_ = std::make_unique<TrainingJob>(request);
  training_monitor_->set_state(widgets::TrainingMonitor::State::Running,
                               resume ? tr("Resuming %1…").arg(form.output) : tr("Opening %1…").arg(form.zoo));
  connect(training_.get(), &TrainingJob::started, this, [this](qint64 ae, qint64 diffusion, qint64 checkpoints, qint64 tasks) {
    training_monitor_->set_state(widgets::TrainingMonitor::State::Running,
                                 tr("Training on %1 tasks, %2 checkpoints: %3 autoencoder + %4 diffusion steps")
                                     .arg(tasks).arg(checkpoints).arg(ae).arg(diffusion));
    Q_EMIT training_started();
  });
  connect(training_.get(), &TrainingJob::progressed, training_monitor_, &widgets::TrainingMonitor::add_progress);
  connect(training_.get(), &TrainingJob::paused_at, this, [this](const QString& stage, qint64 step) {
    if (!training_ || !training_->paused()) return;  // continued meanwhile
    training_monitor_->set_state(widgets::TrainingMonitor::State::Paused, tr("Paused at %1 step %2.").arg(stage).arg(step));
    Q_EMIT training_paused();
  });
  connect(training_.get(), &TrainingJob::finished, this, &StudioWindow::on_training_finished);
  connect(training_.get(), &TrainingJob::failed, this, [this](const QString& message) {
    training_.reset();
    training_monitor_->set_state(widgets::TrainingMonitor::State::Failed, message);
    show_error(message);
    Q_EMIT training_finished(true);
  });
  training_->start();
  Q_EMIT training_started();
}

void StudioWindow::pause_training(bool paused) {
  if (!training_) return;
  if (paused) {
    training_->pause();  // acknowledged by paused_at() at the next report
  } else {
    training_->resume();
    training_monitor_->set_state(widgets::TrainingMonitor::State::Running, tr("Continuing…"));
  }
}

void StudioWindow::cancel_training() {
  if (!training_) return;
  training_->cancel();
  training_monitor_->set_state(widgets::TrainingMonitor::State::Running, tr("Stopping: saving the training state…"));
}

// The finished generator paired with the zoo it was trained on (world.json in its folder), opened as the world.
void StudioWindow::open_trained_generator() {
  const auto [output, zoo] = training_run_;
  try {
    write_zoo_world(output.toStdString(), zoo.toStdString());
  } catch (const Error& e) {
    show_error(QString::fromUtf8(e.what()));
    return;
  }
  open_demo(output);
}

void StudioWindow::on_training_finished(const TrainingOutcome& outcome) {
  training_.reset();  // its thread has ended (finished() is the last thing it does)
  if (outcome.cancelled) {
    training_monitor_->set_state(widgets::TrainingMonitor::State::Stopped,
                                 tr("Stopped. The training state is saved in %1/state: Resume run continues it.").arg(outcome.output));
  } else {
    training_monitor_->set_state(
        widgets::TrainingMonitor::State::Finished,
        tr("Trained in %1 s: generator in %2. Autoencoder loss %3 (reconstruction error %4, %5 of the within-task spread); "
           "diffusion loss %6.")
            .arg(outcome.seconds, 0, 'f', 1)
            .arg(outcome.output)
            .arg(outcome.autoencoder_loss, 0, 'g', 3)
            .arg(outcome.reconstruction_error, 0, 'g', 3)
            .arg(outcome.reconstruction_to_spread, 0, 'g', 3)
            .arg(outcome.diffusion_loss, 0, 'g', 3) +
            (outcome.reconstruction_to_spread > 1 ? tr(" The autoencoder's error exceeds the spread within a task: it keeps "
                                                       "task means only; train the autoencoder longer.")
                                                  : QString()));
  }
  statusBar()->showMessage(outcome.cancelled ? tr("Training stopped") : tr("Training finished: %1").arg(outcome.output), 8000);
  Q_EMIT training_finished(outcome.cancelled);
}

}  // namespace lorastudio::gui
