#pragma once
// The studio: a demo's conditions on the left, the trajectory view in the middle. Opens at once; the demo
// (generator, atlas of training checkpoints) loads in the background, the checkpoints are embedded live,
// and Generate streams every sampling step of every sample into the same embedding.
#include <memory>

#include <QMainWindow>
#include <QStringList>
#include <QVector>

#include "widgets/trajectory_scene.h"

class QCloseEvent;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace lorastudio::api {
class Generator;
}
namespace lorastudio::widgets {
class TrajectoryView;
}

namespace lorastudio::gui {

class EmbeddingWorker;
class GenerationJob;
struct EmbeddingFrame;
struct StepLatents;
struct DemoContent;

class StudioWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit StudioWindow(QWidget* parent = nullptr);
  ~StudioWindow() override;

  void open_demo(const QString& name_or_dir);  // loads in the background; demo_loaded() or failed()
  void generate();                             // the selected condition, with the panel's settings
  void cancel();
  bool busy() const { return job_ != nullptr; }
  widgets::TrajectoryView* trajectory_view() const { return view_; }
  int condition_count() const;
  void select_condition(const QString& style);

 Q_SIGNALS:
  void demo_loaded();
  void generation_finished(bool cancelled);
  void embedding_settled();
  void failed(const QString& message);

 private:
  void build_panel();
  void build_menus();
  void pick_image();
  void export_view();
  void closeEvent(QCloseEvent* event) override;
  void on_demo_loaded(std::shared_ptr<const DemoContent> demo);
  void on_frame(const EmbeddingFrame& frame);
  void on_step(const StepLatents& step);
  void show_error(const QString& message);
  QString selected_style() const;

  widgets::TrajectoryView* view_ = nullptr;
  QListWidget* conditions_ = nullptr;
  QSpinBox *samples_ = nullptr, *steps_ = nullptr, *seed_ = nullptr;
  QComboBox* sampler_ = nullptr;
  QPushButton *generate_ = nullptr, *cancel_ = nullptr, *pick_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* embedding_status_ = nullptr;
  std::shared_ptr<const DemoContent> demo_;
  std::unique_ptr<EmbeddingWorker> embedding_;
  GenerationJob* job_ = nullptr;
  widgets::TrajectoryScene scene_;
  QStringList families_;
  bool settled_reported_ = false;
  int paths_so_far_ = 0;  // sampling paths of earlier generations (each path gets its own id)
};

}  // namespace lorastudio::gui
