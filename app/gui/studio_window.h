#pragma once
// The studio: a demo's conditions on the left, the trajectory view in the middle. Opens at once; the demo
// (generator, atlas of training checkpoints) loads in the background, the checkpoints are embedded live,
// and Generate streams every sampling step of every sample into the same embedding.
#include <memory>

#include <QMainWindow>
#include <QStringList>
#include <QVector>

#include <QMap>
#include <QPair>

#include "app/gui/candidate_store.h"
#include "app/gui/generation_job.h"
#include "core/world/world_condition.h"
#include "widgets/trajectory_scene.h"

class QAction;
class QCloseEvent;
class QDockWidget;
class QDoubleSpinBox;
class QFormLayout;
class QMenu;
class QDragEnterEvent;
class QDropEvent;
class QComboBox;
class QGroupBox;
class QImage;
class QLineEdit;
class QPlainTextEdit;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace lorastudio {
class StudioWorld;
struct ConditionWalk;
struct ProjectGeneration;
}
namespace lorastudio::api {
class Generator;
}
namespace lorastudio::widgets {
class InterpolationPanel;
class ModuleHeatmap;
class SpectrumPlot;
class ModuleNormPlot;
class ModuleTable;
class ResultsTable;
class TrajectoryView;
class TrainingMonitor;
}

namespace lorastudio::gui {

class CandidateStore;
class EmbeddingWorker;
class GenerationJob;
class TrainingJob;
struct TrainingOutcome;
class PcaLayout;
class PreviewWorker;
struct EmbeddingFrame;
struct GenerationRecord;
struct StepLatents;
struct DemoContent;
struct ProjectContent;

class StudioWindow : public QMainWindow {
  Q_OBJECT
 public:
  // restore_layout: the window's geometry and docks as the user last left them (off for scripted screenshots).
  explicit StudioWindow(QWidget* parent = nullptr, bool restore_layout = true);
  ~StudioWindow() override;

  // A world by name ("style-procedural", "synthetic-text") or folder, in the background; demo_loaded() or failed().
  void open_demo(const QString& name_or_dir);
  void set_models_dir(const QString& dir) { models_dir_ = dir; }  // where demo names are looked up (models/demo/NAME)
  void generate();                             // the selected condition, with the panel's settings
  void start_walk();                           // studio_walk.cpp: from the selected condition to "walk to"
  void set_walk_target(const QString& style);
  void cancel();
  bool busy() const { return job_ != nullptr; }
  widgets::TrajectoryView* trajectory_view() const { return view_; }
  widgets::ResultsTable* results_table() const { return results_; }
  widgets::InterpolationPanel* interpolation_panel() const { return interpolation_; }
  CandidateStore* candidates() const { return store_; }
  PreviewWorker* preview_worker() const { return previews_.get(); }
  void select_candidate(int id);               // in the table, the view, the inspector
  enum class Projection { Tsne, Pca };
  void set_projection(Projection projection);  // what the trajectory view shows (t-SNE runs on meanwhile)
  Projection projection() const { return projection_; }
  void export_candidate(int id, const QString& format, const QString& path);  // in the background
  int condition_count() const;
  QStringList condition_names() const;   // in list order
  bool text_conditions() const;          // the demo's conditions are task descriptions
  void select_condition(const QString& style);
  // Projects (a .lsproject file: the demo, every generation with its trajectories, the view), in the
  // background; project_saved() / project_opened() or failed().
  void save_project_as(const QString& path) { save_project(path); }
  void open_project_file(const QString& path) { open_project(path); }
  QString project_path() const { return project_path_; }
  // Training (studio_training.cpp): the monitor's form, its buttons as calls; configs offered from `dir`.
  widgets::TrainingMonitor* training_monitor() const { return training_monitor_; }
  void set_configs_dir(const QString& dir);
  void train(bool resume = false) { start_training(resume); }
  void pause_training(bool paused);
  void cancel_training();
  bool training() const { return training_ != nullptr; }
  // A style image of one's own as a condition (picked, dropped or pasted); false (and an error shown) when it
  // is not an image this build reads.
  bool add_image_condition(const QString& path);
  // A typed task description with few-shot examples as a condition (text worlds); false (and an error shown)
  // when the description is empty or the world takes images.
  bool add_text_condition(const QString& description, const QStringList& examples = {});

 Q_SIGNALS:
  void demo_loaded();
  void generation_finished(bool cancelled);
  void embedding_settled();
  void candidates_scored();
  void project_saved(const QString& path);
  void walk_finished(double largest_step);
  void training_started();
  void training_paused();
  void training_finished(bool cancelled);
  void synthetic_zoo_ready(const QString& path);
  void project_opened(const QString& path);
  void failed(const QString& message);

 private:
  void build_panel();
  QFormLayout* build_settings_form(QWidget* panel);
  void build_menus();
  // studio_analysis.cpp: the results, interpolation and inspector docks
  QDockWidget* add_dock(const QString& title, const QString& id, QWidget* content, Qt::DockWidgetArea area);
  void build_analysis_docks();
  // studio_training.cpp: the training monitor's dock and its job
  void build_training_dock();
  void start_training(bool resume);
  void restore_training_form();  // the last run's zoo, config, output and steps
  void make_synthetic_zoo();
  void open_trained_generator();  // the monitor's finished generator on its zoo, as the studio's world
  void on_training_finished(const TrainingOutcome& outcome);
  void start_candidates(const DemoContent& demo);
  QVector<int> on_generated(const GenerationRecord& record, const GenerationOutcome& outcome, QVector<int> final_points);
  void on_scored();
  void request_preview(int a, int b, double lambda, int subject, bool draft);
  void save_contact_sheet(int a, int b, int subject, int steps);
  void export_selected();
  void finish_generation();
  // studio_generation.cpp
  // → the final points; refresh: rebuild the view now (a replay adds every generation, then rebuilds once)
  QVector<int> add_generation_points(const QString& style, int samples, int steps, bool refresh = true);
  QVector<int> show_walk(const ConditionWalk& walk, const QString& from, const QString& to);  // → the walk's points
  void list_candidates(const QVector<int>& ids, const QVector<int>& points);  // new candidates at these scene points
  // studio_project_io.cpp
  void save_project(const QString& path);
  void open_project(const QString& path);
  void replay_project(std::shared_ptr<const ProjectContent> project);
  void replay_generation(std::shared_ptr<const ProjectContent> project, int index, int serial);
  void finish_replay(std::shared_ptr<const ProjectContent> project);
  void restore_view(std::shared_ptr<const ProjectContent> project);
  void remember_recent(const QString& path);
  void rebuild_recent_menu();
  void pick_image();
  void add_own_condition(const WorldCondition& condition, const QImage& thumbnail);
  void restore_own_condition(const ProjectGeneration& generation);  // studio_project_io.cpp
  void add_condition_item(const WorldCondition& condition, const QImage& thumbnail);
  QWidget* build_description_box(QWidget* parent);
  void paste_image();                              // an image on the clipboard, saved to the cache
  void suggest_guidance(double guidance);          // the world's for the selected condition, unless the user set one
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void export_view();
  void closeEvent(QCloseEvent* event) override;
  void on_demo_loaded(std::shared_ptr<const DemoContent> demo);
  void fill_conditions();
  void build_atlas_scene();
  void on_frame(const EmbeddingFrame& frame);
  void on_step(const StepLatents& step);
  void show_error(const QString& message);
  void add_embedded_rows(const std::vector<float>& rows, int64_t dims);  // the t-SNE and the PCA view
  void update_view_title();
  void refresh_scene();  // the scene changed: rebuild the view's layers, keep the positions
  QString selected_style() const;

  widgets::TrajectoryView* view_ = nullptr;
  widgets::ResultsTable* results_ = nullptr;
  widgets::InterpolationPanel* interpolation_ = nullptr;
  widgets::ModuleNormPlot *inspector_norms_ = nullptr, *inspector_cosines_ = nullptr;
  widgets::ModuleHeatmap* inspector_heatmap_ = nullptr;
  widgets::SpectrumPlot* inspector_spectra_ = nullptr;
  widgets::ModuleTable* inspector_table_ = nullptr;
  QLabel *inspector_title_ = nullptr, *cosine_title_ = nullptr;
  CandidateStore* store_ = nullptr;
  std::unique_ptr<PreviewWorker> previews_;
  std::shared_ptr<const StudioWorld> previews_world_;  // the world previews_ renders for
  QMap<int, int> final_point_;  // candidate id → its final point in the scene
  struct GenerationData {  // a finished generation, as a project saves it
    GenerationRecord record;
    std::vector<std::shared_ptr<const std::vector<float>>> steps;  // x_t rows after each step
    int64_t dims = 0;
    QVector<int> ids;  // its candidates
  };
  QVector<GenerationData> generations_;
  struct WalkData {  // a finished condition walk, as a project saves it
    QString from, to;
    std::shared_ptr<const ConditionWalk> walk;
  };
  QVector<WalkData> walks_;
  std::vector<std::shared_ptr<const std::vector<float>>> current_steps_;
  std::shared_ptr<const ProjectContent> pending_project_;  // replayed once its demo has loaded
  int replay_serial_ = 0;  // bumped by each demo load and replay: a chain of replay events stops when it changes
  QString project_path_;
  QMenu* recent_menu_ = nullptr;
  QPair<int, int> compared_{-1, -1};  // the pair the inspector's cosines are of
  int inspected_ = -1;                // the candidate the inspector shows
  widgets::TrainingMonitor* training_monitor_ = nullptr;
  QDockWidget* training_dock_ = nullptr;
  std::unique_ptr<TrainingJob> training_;
  QString configs_dir_, models_dir_;
  QPair<QString, QString> training_run_;  // the latest run's output directory and zoo
  Projection projection_ = Projection::Tsne;
  std::unique_ptr<PcaLayout> pca_;
  widgets::ScenePositions tsne_positions_;  // the latest t-SNE frame
  QString tsne_title_;
  QAction *tsne_action_ = nullptr, *pca_action_ = nullptr;
  QMap<int, QAction*> layer_actions_;  // by PointKind
  QListWidget* conditions_ = nullptr;
  QLabel *notice_ = nullptr, *condition_heading_ = nullptr;
  QGroupBox* description_box_ = nullptr;
  QLineEdit* description_ = nullptr;
  QPlainTextEdit* examples_ = nullptr;
  QSpinBox *samples_ = nullptr, *steps_ = nullptr, *seed_ = nullptr;
  QComboBox* sampler_ = nullptr;
  QDoubleSpinBox* guidance_ = nullptr;
  double suggested_guidance_ = 1.0;  // what the world suggested for the selected condition
  QComboBox* walk_to_ = nullptr;
  QPushButton* walk_ = nullptr;
  bool walking_ = false;
  double last_walk_step_ = 0;
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
