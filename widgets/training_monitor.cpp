#include "widgets/training_monitor.h"

#include <cmath>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "widgets/loss_plot.h"

namespace lorastudio::widgets {

QString training_state_name(TrainingMonitor::State state) {
  switch (state) {
    case TrainingMonitor::State::Idle: return QStringLiteral("idle");
    case TrainingMonitor::State::Running: return QStringLiteral("running");
    case TrainingMonitor::State::Paused: return QStringLiteral("paused");
    case TrainingMonitor::State::Stopped: return QStringLiteral("stopped");
    case TrainingMonitor::State::Finished: return QStringLiteral("finished");
    case TrainingMonitor::State::Failed: return QStringLiteral("failed");
  }
  return {};
}

TrainingMonitor::TrainingMonitor(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(build_form());
  layout->addWidget(build_buttons());
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->setTextVisible(false);
  layout->addWidget(progress_);
  status_ = new QLabel(tr("Pick a zoo and a config, then Train."));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(status_);
  plot_ = new LossPlot;
  layout->addWidget(plot_, 1);
  update_buttons();
}

QWidget* TrainingMonitor::build_form() {
  auto* form = new QWidget;
  auto* grid = new QFormLayout(form);
  grid->setContentsMargins(0, 0, 0, 0);
  const auto row_with = [](QWidget* main, QWidget* extra1, QWidget* extra2 = nullptr) {
    auto* row = new QWidget;
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(main, 1);
    h->addWidget(extra1);
    if (extra2) h->addWidget(extra2);
    return row;
  };
  zoo_ = new QLineEdit;
  zoo_->setPlaceholderText(tr("zoo directory (zoo.json)"));
  connect(zoo_, &QLineEdit::textChanged, zoo_, &QLineEdit::setToolTip);  // the whole path, where the field cuts it
  auto* browse_zoo = new QPushButton(tr("…"));
  browse_zoo->setToolTip(tr("Pick a zoo directory"));
  connect(browse_zoo, &QPushButton::clicked, this, [this] { browse(zoo_, true, tr("Zoo directory")); });
  synthetic_ = new QPushButton(tr("Synthetic"));
  synthetic_->setObjectName(QStringLiteral("synthetic"));
  synthetic_->setToolTip(tr("Build a small synthetic zoo (text conditions) to try training on"));
  connect(synthetic_, &QPushButton::clicked, this, &TrainingMonitor::synthetic_zoo_requested);
  grid->addRow(tr("Zoo"), row_with(zoo_, browse_zoo, synthetic_));
  config_ = new QComboBox;
  config_->setEditable(true);
  config_->setToolTip(tr("Generator config (JSON): the autoencoder, denoiser, condition and training settings"));
  grid->addRow(tr("Config"), config_);
  output_ = new QLineEdit;
  output_->setPlaceholderText(tr("output generator directory"));
  connect(output_, &QLineEdit::textChanged, output_, &QLineEdit::setToolTip);
  connect(output_, &QLineEdit::textChanged, this, &TrainingMonitor::update_buttons);  // a stopped run there?
  auto* browse_out = new QPushButton(tr("…"));
  connect(browse_out, &QPushButton::clicked, this, [this] { browse(output_, true, tr("Output directory")); });
  grid->addRow(tr("Output"), row_with(output_, browse_out));
  const auto steps_box = [](const QString& tip) {
    auto* box = new QSpinBox;
    box->setRange(0, 10000000);
    box->setSingleStep(100);
    box->setSpecialValueText(tr("config's"));
    box->setToolTip(tip);
    return box;
  };
  ae_steps_ = steps_box(tr("Autoencoder steps (0: the config's)"));
  diffusion_steps_ = steps_box(tr("Diffusion steps (0: the config's)"));
  auto* steps = new QWidget;
  auto* h = new QHBoxLayout(steps);
  h->setContentsMargins(0, 0, 0, 0);
  h->addWidget(new QLabel(tr("autoencoder")));
  h->addWidget(ae_steps_, 1);
  h->addWidget(new QLabel(tr("diffusion")));
  h->addWidget(diffusion_steps_, 1);
  grid->addRow(tr("Steps"), steps);
  return form;
}

QWidget* TrainingMonitor::build_buttons() {
  auto* row = new QWidget;
  auto* h = new QHBoxLayout(row);
  h->setContentsMargins(0, 0, 0, 0);
  train_ = new QPushButton(tr("Train"));
  train_->setToolTip(tr("Train a new generator into the output directory"));
  pause_ = new QPushButton(tr("Pause"));
  pause_->setCheckable(true);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setToolTip(tr("Stop training; the state is saved so the run can be resumed"));
  resume_ = new QPushButton(tr("Resume run"));
  resume_->setToolTip(tr("Continue the stopped run from its saved state"));
  open_ = new QPushButton(tr("Open in studio"));
  open_->setObjectName(QStringLiteral("open-in-studio"));
  open_->setToolTip(tr("Generate with the trained generator: its zoo's tasks become the studio's conditions"));
  connect(open_, &QPushButton::clicked, this, &TrainingMonitor::open_in_studio_requested);
  connect(train_, &QPushButton::clicked, this, [this] { Q_EMIT train_requested(false); });
  connect(resume_, &QPushButton::clicked, this, [this] { Q_EMIT train_requested(true); });
  connect(cancel_, &QPushButton::clicked, this, &TrainingMonitor::cancel_requested);
  connect(pause_, &QPushButton::toggled, this, [this](bool paused) {
    pause_->setText(paused ? tr("Continue") : tr("Pause"));
    Q_EMIT pause_requested(paused);
  });
  for (auto* b : {train_, pause_, cancel_, resume_, open_}) h->addWidget(b);
  return row;
}

void TrainingMonitor::browse(QLineEdit* edit, bool directory, const QString& title) {
  const QString path = directory ? QFileDialog::getExistingDirectory(this, title, edit->text())
                                 : QFileDialog::getOpenFileName(this, title, edit->text());
  if (!path.isEmpty()) edit->setText(path);
}

void TrainingMonitor::set_configs(const QStringList& paths) {
  const QString current = config_->currentText();
  config_->clear();
  for (const auto& p : paths) config_->addItem(QFileInfo(p).completeBaseName(), p);
  if (!current.isEmpty()) config_->setCurrentText(current);
}

TrainingForm TrainingMonitor::form() const {
  TrainingForm f;
  f.zoo = zoo_->text().trimmed();
  const int index = config_->findText(config_->currentText());
  f.config = index >= 0 ? config_->itemData(index).toString() : config_->currentText().trimmed();
  f.output = output_->text().trimmed();
  f.ae_steps = ae_steps_->value();
  f.diffusion_steps = diffusion_steps_->value();
  return f;
}

void TrainingMonitor::set_form(const TrainingForm& f) {
  zoo_->setText(f.zoo);
  const int index = config_->findData(f.config);
  if (index >= 0) config_->setCurrentIndex(index);
  else config_->setCurrentText(f.config);
  output_->setText(f.output);
  ae_steps_->setValue(f.ae_steps);
  diffusion_steps_->setValue(f.diffusion_steps);
  update_buttons();  // the output directory may hold a stopped run
}

void TrainingMonitor::set_state(State state, const QString& message) {
  state_ = state;
  if (state != State::Paused && pause_->isChecked()) {
    const QSignalBlocker block(pause_);
    pause_->setChecked(false);
    pause_->setText(tr("Pause"));
  }
  if (!message.isEmpty()) status_->setText(message);
  if (state == State::Finished) progress_->setValue(progress_->maximum());
  update_buttons();
}

void TrainingMonitor::update_buttons() {
  const bool active = state_ == State::Running || state_ == State::Paused;
  train_->setEnabled(!active);
  // The output directory holds a stopped run's state (a run that just ended may have left or removed it).
  const QString output = output_ ? output_->text().trimmed() : QString();
  resumable_ = !output.isEmpty() && QFileInfo::exists(output + QStringLiteral("/state/state.json"));
  resume_->setEnabled(!active && (state_ == State::Stopped || resumable_));
  open_->setEnabled(state_ == State::Finished);
  pause_->setEnabled(active);
  cancel_->setEnabled(active);
  for (QWidget* w : std::initializer_list<QWidget*>{zoo_, config_, output_, ae_steps_, diffusion_steps_, synthetic_})
    w->setEnabled(!active);
}

void TrainingMonitor::add_progress(const TrainingProgressView& p) {
  plot_->add_point(p.stage, static_cast<double>(p.step), p.loss, static_cast<double>(p.offset));
  const qint64 done = p.offset + p.step;
  if (p.run_total > 0) progress_->setValue(static_cast<int>(1000.0 * static_cast<double>(done) / static_cast<double>(p.run_total)));
  QString eta;
  if (p.steps_per_second > 0 && p.run_total > done) {
    const double seconds = static_cast<double>(p.run_total - done) / p.steps_per_second;
    eta = seconds < 90 ? tr(" · about %1 s left").arg(std::ceil(seconds)) : tr(" · about %1 min left").arg(std::ceil(seconds / 60));
  }
  status_->setText(tr("%1: step %2 of %3 · loss %4 · lr %5 · %6 steps/s%7")
                       .arg(p.stage)
                       .arg(p.step)
                       .arg(p.total)
                       .arg(p.loss, 0, 'g', 4)
                       .arg(p.learning_rate, 0, 'g', 2)
                       .arg(p.steps_per_second, 0, 'f', 1)
                       .arg(eta));
}

void TrainingMonitor::clear_curves() {
  plot_->clear();
  progress_->setValue(0);
}

QString TrainingMonitor::status_text() const { return status_->text(); }

}  // namespace lorastudio::widgets
