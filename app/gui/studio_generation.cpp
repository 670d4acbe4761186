// The studio's generation: the selected condition with the panel's settings on a worker thread, every
// sampling step streamed into the embedding, the finished candidates handed to the results.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>

#include "app/gui/candidate_store.h"
#include "app/gui/demo_content.h"
#include "app/gui/embedding_worker.h"
#include "app/gui/studio_window.h"
#include "core/lorastudio.h"
#include "widgets/trajectory_view.h"

namespace lorastudio::gui {

// The samples' steps join the scene in the order the embedding receives them: per step, every sample.
QVector<int> StudioWindow::add_generation_points(const QString& style, int samples, int steps, bool refresh) {
  const auto* condition = demo_->condition(style);
  const int group = condition ? std::max<int>(0, static_cast<int>(families_.indexOf(condition->group))) : 0;
  QVector<int> final_points;
  for (int step = 1; step <= steps; ++step)
    for (int sample = 0; sample < samples; ++sample) {
      if (step == steps) final_points << scene_.points.size();
      widgets::ScenePoint p;
      p.kind = step == steps ? widgets::PointKind::Generated : widgets::PointKind::SampleStep;
      p.group = group;
      p.sample = sample;
      p.path = paths_so_far_ + sample;
      p.step = step;
      p.label = tr("%1, sample %2").arg(style).arg(sample);
      scene_.points.push_back(p);
    }
  paths_so_far_ += samples;
  if (refresh) refresh_scene();
  QVector<int> own;  // the condition's own training checkpoints, ringed and named in the view
  for (int i = 0; i < static_cast<int>(demo_->atlas_task.size()); ++i)
    if (demo_->atlas_tasks[demo_->atlas_task[i]] == style) own << i;
  view_->set_highlight(own, condition && condition->world.held_out && !condition->world.own ? tr("%1 (held out)").arg(style) : style);
  return final_points;
}

void StudioWindow::generate() {
  if (!demo_ || job_) return;
  const QString style = selected_style();
  const auto* picked = demo_->condition(style);
  if (!picked) return;
  const api::Condition condition = to_api_condition(picked->world);
  api::GenerationParams params;
  params.count = samples_->value();
  params.steps = steps_->value();
  params.seed = static_cast<uint64_t>(seed_->value());
  params.sampler = *api::sampler_from_string(sampler_->currentText().toStdString());
  params.guidance = guidance_->value();
  params.preview_every = 1;
  const QVector<int> final_points = add_generation_points(style, static_cast<int>(params.count), params.steps);
  embedding_->open_input();
  current_steps_.clear();
  settled_reported_ = false;
  const GenerationRecord record{picked->world, demo_->name, static_cast<int>(params.count), params.steps,
                                sampler_->currentText(), params.seed, params.guidance};
  job_ = GenerationJob::start(demo_->generator, condition, params, this, [this, record, final_points](GenerationJob* job) {
    connect(job, &GenerationJob::progressed, this, [this](int step, int total) {
      progress_->setRange(0, total);
      progress_->setValue(step);
    });
    connect(job, &GenerationJob::stepped, this, &StudioWindow::on_step);
    connect(job, &GenerationJob::finished, this, [this, record, final_points](const GenerationOutcome& outcome) {
      finish_generation();
      statusBar()->showMessage(outcome.cancelled ? tr("Generation cancelled")
                                                 : tr("Generated in %1 s; scoring the candidates…").arg(outcome.seconds, 0, 'f', 2),
                               8000);
      const QVector<int> ids = on_generated(record, outcome, final_points);
      if (!outcome.cancelled) generations_.push_back({record, current_steps_, outcome.dims, ids});
      Q_EMIT generation_finished(outcome.cancelled);
    });
    connect(job, &GenerationJob::failed, this, [this](const QString& message) {
      finish_generation();
      show_error(message);
    });
  });
  generate_->setEnabled(false);
  cancel_->setEnabled(true);
  statusBar()->showMessage(tr("Generating %1 adapters for %2…").arg(params.count).arg(style));
}

void StudioWindow::finish_generation() {
  job_ = nullptr;
  embedding_->close_input();
  generate_->setEnabled(true);
  cancel_->setEnabled(false);
}

void StudioWindow::on_step(const StepLatents& step) {
  if (!embedding_ || !step.rows) return;
  current_steps_.push_back(step.rows);
  add_embedded_rows(*step.rows, step.dims);
}

void StudioWindow::cancel() {
  if (job_) job_->cancel();
}

}  // namespace lorastudio::gui
