#pragma once
// The training monitor: pick a zoo (or make a synthetic one), a generator config and an output directory,
// then train with live loss curves, pause and resume, cancel (the training state is kept) and resume the run
// later. The monitor shows plain numbers handed to it; the training itself runs elsewhere (app/gui/).
#include <QString>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace lorastudio::widgets {

class LossPlot;

struct TrainingForm {
  QString zoo, config, output;
  int ae_steps = 0, diffusion_steps = 0;  // 0: the config's
};

struct TrainingProgressView {
  QString stage;             // "autoencoder" | "diffusion"
  qint64 step = 0, total = 0;  // within the stage
  qint64 offset = 0;         // steps of the run before this stage
  qint64 run_total = 0;      // steps of the whole run
  double loss = 0, learning_rate = 0, steps_per_second = 0;
};

class TrainingMonitor : public QWidget {
  Q_OBJECT
 public:
  enum class State { Idle, Running, Paused, Stopped, Finished, Failed };

  explicit TrainingMonitor(QWidget* parent = nullptr);
  void set_configs(const QStringList& paths);  // offered in the config list (any file can be typed or picked)
  TrainingForm form() const;
  void set_form(const TrainingForm& form);
  void set_state(State state, const QString& message = QString());
  State state() const { return state_; }
  void add_progress(const TrainingProgressView& progress);
  void clear_curves();
  LossPlot* loss_plot() const { return plot_; }
  QString status_text() const;
  bool resumable() const { return resumable_; }

 Q_SIGNALS:
  void train_requested(bool resume);  // resume: continue the stopped run in the output directory
  void pause_requested(bool paused);
  void cancel_requested();
  void synthetic_zoo_requested();
  void open_in_studio_requested();  // the finished generator, on its zoo, as the studio's world

 private:
  QWidget* build_form();
  QWidget* build_buttons();
  void update_buttons();
  void browse(QLineEdit* edit, bool directory, const QString& title);

  QLineEdit *zoo_ = nullptr, *output_ = nullptr;
  QComboBox* config_ = nullptr;
  QSpinBox *ae_steps_ = nullptr, *diffusion_steps_ = nullptr;
  QPushButton *train_ = nullptr, *pause_ = nullptr, *cancel_ = nullptr, *resume_ = nullptr, *synthetic_ = nullptr,
              *open_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  LossPlot* plot_ = nullptr;
  State state_ = State::Idle;
  bool resumable_ = false;  // the output directory holds a stopped run's state
};

QString training_state_name(TrainingMonitor::State state);

}  // namespace lorastudio::widgets
