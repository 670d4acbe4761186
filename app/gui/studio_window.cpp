#include "app/gui/studio_window.h"

#include <QAction>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QActionGroup>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QImage>
#include <QPixmap>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>
#include <QThread>
#include <QVBoxLayout>

#include <filesystem>

#include "app/gui/candidate_store.h"
#include "app/gui/demo_content.h"
#include "app/gui/embedding_worker.h"
#include "app/gui/pca_layout.h"
#include "app/gui/preview_worker.h"
#include "app/gui/worker_thread.h"
#include "app/gui/generation_job.h"
#include "app/gui/training_job.h"
#include "core/lorastudio.h"
#include "core/world/studio_world.h"
#include "widgets/trajectory_view.h"

namespace lorastudio::gui {

StudioWindow::StudioWindow(QWidget* parent, bool restore_layout) : QMainWindow(parent), view_(new widgets::TrajectoryView(this)) {
  qRegisterMetaType<lorastudio::gui::EmbeddingFrame>();
  setWindowTitle(tr("LoRA Studio"));
  setCentralWidget(view_);
  setAcceptDrops(true);  // a style image dropped anywhere on the window becomes a condition
  build_panel();
  build_analysis_docks();
  build_training_dock();
  build_menus();
  embedding_status_ = new QLabel(this);
  statusBar()->addPermanentWidget(embedding_status_);
  statusBar()->showMessage(tr("Open a demo to begin"));
  resize(1440, 900);
  if (!restore_layout) return;
  QSettings settings;  // the window's layout as the user left it
  restoreGeometry(settings.value(QStringLiteral("studio/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("studio/state")).toByteArray());
  restore_training_form();
}

void StudioWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue(QStringLiteral("studio/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("studio/state"), saveState());
  QMainWindow::closeEvent(event);
}

void StudioWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("Open demo…"), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a demo bundle (a folder with demo.json)"));
    if (!dir.isEmpty()) open_demo(dir);
  });
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open the style demo"), this, [this] { open_demo(QStringLiteral("style-procedural")); });
  file->addAction(tr("Open the text world (WordNet)"), this, [this] { open_demo(QStringLiteral("text-wordnet")); });
  file->addAction(tr("Open the synthetic text world"), this, [this] { open_demo(QStringLiteral("synthetic-text")); })
      ->setToolTip(tr("Task descriptions as conditions; built in your cache the first time (about 25 s)"));
  file->addAction(tr("Open project…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a project"), QString(), tr("LoRA Studio projects (*.lsproject)"));
        if (!path.isEmpty()) open_project(path);
      })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  recent_menu_ = file->addMenu(tr("Open recent"));
  rebuild_recent_menu();
  const auto save_as = [this] {
    QString path = QFileDialog::getSaveFileName(this, tr("Save the project"), QStringLiteral("studio.lsproject"),
                                                tr("LoRA Studio projects (*.lsproject)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(QStringLiteral(".lsproject"))) path += QStringLiteral(".lsproject");
    save_project(path);
  };
  file->addAction(tr("Save project"), this, [this, save_as] {
        if (project_path_.isEmpty()) save_as();
        else save_project(project_path_);
      })->setShortcut(QKeySequence::Save);
  file->addAction(tr("Save project as…"), this, save_as)->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  file->addSeparator();
  QAction* paste = file->addAction(tr("Paste style image"), this, &StudioWindow::paste_image);
  paste->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
  QAction* exported = file->addAction(tr("Export view…"), this, &StudioWindow::export_view);
  exported->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  file->addSeparator();
  QAction* quit = file->addAction(tr("Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  auto* projections = new QActionGroup(this);
  tsne_action_ = view->addAction(tr("t-SNE"), this, [this] { set_projection(Projection::Tsne); });
  pca_action_ = view->addAction(tr("PCA"), this, [this] { set_projection(Projection::Pca); });
  tsne_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
  pca_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
  for (QAction* a : {tsne_action_, pca_action_}) {
    a->setCheckable(true);
    projections->addAction(a);
  }
  tsne_action_->setChecked(true);
  view->addSeparator();
  const std::pair<widgets::PointKind, QString> layers[] = {{widgets::PointKind::Checkpoint, tr("Training checkpoints")},
                                                           {widgets::PointKind::Soup, tr("Soups")},
                                                           {widgets::PointKind::SampleStep, tr("Sampling paths")},
                                                           {widgets::PointKind::Generated, tr("Generated adapters")}};
  for (const auto& [kind, name] : layers) {
    QAction* toggle = view->addAction(name);
    toggle->setCheckable(true);
    toggle->setChecked(true);
    connect(toggle, &QAction::toggled, this, [this, kind = kind](bool on) { view_->set_kind_visible(kind, on); });
    layer_actions_[static_cast<int>(kind)] = toggle;
  }
  view->addSeparator();
  view->addAction(tr("Fit"), view_, &widgets::TrajectoryView::fit)->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  QMenu* tools = menuBar()->addMenu(tr("&Tools"));
  tools->addAction(tr("Train a generator…"), this, [this] {
        training_dock_->show();
        training_dock_->raise();
      })->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
}

void StudioWindow::export_view() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the trajectory view"), QStringLiteral("trajectories.png"),
                                                    tr("PNG image (*.png);;SVG drawing (*.svg)"));
  if (path.isEmpty()) return;
  const bool svg = path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive);
  const bool ok = svg ? view_->export_svg(path) : view_->export_png(path, 1600, 1200);
  if (ok) statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  else show_error(tr("%1: could not be written").arg(path));
}

StudioWindow::~StudioWindow() {
  if (job_) job_->cancel();
  training_.reset();  // cancels, and waits while the trainer saves its state (a run can be resumed next time)
}

// Samples, sampler, steps, guidance, seed.
QFormLayout* StudioWindow::build_settings_form(QWidget* panel) {
  auto* form = new QFormLayout;
  samples_ = new QSpinBox(panel);
  samples_->setRange(1, 256);
  samples_->setValue(6);
  steps_ = new QSpinBox(panel);
  steps_->setRange(1, 1000);
  steps_->setValue(25);
  seed_ = new QSpinBox(panel);
  seed_->setRange(0, 1000000);
  sampler_ = new QComboBox(panel);
  for (const auto s : api::all_samplers()) sampler_->addItem(QString::fromStdString(api::to_string(s)));
  sampler_->setCurrentText(QStringLiteral("ddim"));
  guidance_ = new QDoubleSpinBox(panel);
  guidance_->setObjectName(QStringLiteral("guidance"));
  guidance_->setRange(0.0, 20.0);
  guidance_->setSingleStep(0.5);
  guidance_->setValue(1.0);
  guidance_->setToolTip(tr("Classifier-free guidance: 1 = the condition alone; higher follows it more strongly"));
  form->addRow(tr("Samples"), samples_);
  form->addRow(tr("Sampler"), sampler_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Guidance"), guidance_);
  form->addRow(tr("Seed"), seed_);
  return form;
}

void StudioWindow::build_panel() {
  auto* panel = new QWidget(this);
  auto* layout = new QVBoxLayout(panel);
  notice_ = new QLabel(panel);
  notice_->setWordWrap(true);
  notice_->setStyleSheet(QStringLiteral("QLabel { background: #fff4d6; border: 1px solid #e0c060; border-radius: 3px; padding: 4px; }"));
  notice_->hide();
  layout->addWidget(notice_);
  condition_heading_ = new QLabel(tr("<b>Condition</b>"), panel);
  layout->addWidget(condition_heading_);
  conditions_ = new QListWidget(panel);
  conditions_->setIconSize(QSize(40, 40));
  conditions_->setMinimumWidth(250);
  conditions_->setMinimumHeight(120);
  layout->addWidget(conditions_, 1);
  layout->addWidget(build_description_box(panel));
  layout->addLayout(build_settings_form(panel));
  generate_ = new QPushButton(tr("Generate"), panel);
  generate_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  generate_->setToolTip(tr("Generate adapters for the selected condition (Ctrl+Enter)"));
  cancel_ = new QPushButton(tr("Cancel"), panel);
  cancel_->setShortcut(QKeySequence(Qt::Key_Escape));
  cancel_->setEnabled(false);
  generate_->setEnabled(false);
  pick_ = new QPushButton(tr("Pick image…"), panel);
  pick_->setToolTip(tr("Generate for a style image of your own (or drop one on the window, or paste it with Ctrl+Shift+V)"));
  pick_->setEnabled(false);
  connect(pick_, &QPushButton::clicked, this, &StudioWindow::pick_image);
  layout->addWidget(pick_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_);
  buttons->addWidget(cancel_);
  layout->addLayout(buttons);
  auto* walk_row = new QHBoxLayout;
  walk_to_ = new QComboBox(panel);
  walk_to_->setToolTip(tr("The condition to walk to from the selected one"));
  walk_ = new QPushButton(tr("Walk"), panel);
  walk_->setToolTip(tr("Condition walk: generate along the path between the two conditions' embeddings, shown beside "
                       "the ΔW interpolation between its end adapters (does the generator generalise, or jump between "
                       "the tasks it copies?)"));
  walk_->setEnabled(false);
  walk_row->addWidget(new QLabel(tr("Walk to"), panel));
  walk_row->addWidget(walk_to_, 1);
  walk_row->addWidget(walk_);
  layout->addLayout(walk_row);
  connect(walk_, &QPushButton::clicked, this, &StudioWindow::start_walk);
  progress_ = new QProgressBar(panel);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  layout->addWidget(progress_);
  connect(generate_, &QPushButton::clicked, this, &StudioWindow::generate);
  connect(cancel_, &QPushButton::clicked, this, &StudioWindow::cancel);
  auto* dock = new QDockWidget(tr("Generate"), this);
  dock->setObjectName(QStringLiteral("generate"));
  dock->setFeatures(QDockWidget::DockWidgetMovable);
  dock->setWidget(panel);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
}

void StudioWindow::open_demo(const QString& name_or_dir) {
  statusBar()->showMessage(tr("Loading the demo %1…").arg(name_or_dir));
  const std::string name = name_or_dir.toStdString(), models = models_dir_.toStdString();
  QPointer<QStatusBar> bar = statusBar();
  run_in_worker(
      this,
      [this, name, models, bar]() -> Continuation {
        auto demo = load_demo_content(name, models, [bar](const std::string& what) {  // a synthetic world is built once
          QMetaObject::invokeMethod(bar, [bar, what] {
            if (bar) bar->showMessage(QString::fromStdString(what) + QStringLiteral("…"));
          }, Qt::QueuedConnection);
        });
        return [this, demo] { on_demo_loaded(demo); };
      },
      [this](const QString& message) { show_error(message); }, QStringLiteral("demo loader"));
}

// The demo's conditions in the list and in "walk to"; their groups (style families, tasks) become the scene's.
void StudioWindow::fill_conditions() {
  conditions_->clear();
  families_.clear();
  walk_to_->clear();
  for (const auto& c : demo_->conditions) {
    if (!families_.contains(c.group)) families_ << c.group;
    add_condition_item(c.world, c.thumbnail);
  }
  conditions_->setCurrentRow(0);
  walk_to_->setCurrentIndex(std::min(walk_to_->count() - 1, 1));
}

// One entry: a style's thumbnail and name, or a task's name and description; the tooltip says the rest.
void StudioWindow::add_condition_item(const WorldCondition& w, const QImage& thumbnail) {
  const QString name = QString::fromStdString(w.name);
  QString label = name;
  if (w.held_out) label = tr("%1  (held out)").arg(name);
  if (w.own) label = w.image.empty() ? tr("%1  (your description)").arg(name) : tr("%1  (your image)").arg(name);
  if (w.image.empty() && !w.text.empty()) label += QStringLiteral("\n") + elided_description(w.text);
  auto* item = new QListWidgetItem(label);
  if (!thumbnail.isNull()) item->setIcon(QIcon(QPixmap::fromImage(thumbnail)));
  item->setData(Qt::UserRole, name);
  QString tip = tr("%1 · %2%3").arg(name, QString::fromStdString(w.group), w.held_out && !w.own ? tr(" · never trained on") : QString());
  if (!w.text.empty()) tip += QStringLiteral("\n") + QString::fromStdString(w.text);
  for (const auto& e : w.examples) tip += QStringLiteral("\n  e.g. ") + QString::fromStdString(e);
  if (!w.image.empty() && w.own) tip = QString::fromStdString(w.image);
  item->setToolTip(tip);
  conditions_->addItem(item);
  walk_to_->addItem(name);
}

// The atlas's checkpoints (coloured by family) and one soup per task.
void StudioWindow::build_atlas_scene() {
  scene_ = widgets::TrajectoryScene();
  scene_.space = demo_->soup_rows.empty()
                     ? tr("t-SNE of the generator's latent space: %1 training checkpoints").arg(demo_->atlas_task.size())
                     : tr("t-SNE of the generator's latent space: %1 training checkpoints, %2 soups")
                           .arg(demo_->atlas_task.size())
                           .arg(demo_->atlas_tasks.size());
  for (int f = 0; f < families_.size(); ++f) scene_.groups.push_back({families_[f], widgets::group_color(f)});
  const auto group_of = [this](const QString& task) {
    const auto* c = demo_->condition(task);
    return c ? static_cast<int>(families_.indexOf(c->group)) : 0;
  };
  for (int task : demo_->atlas_task) {
    widgets::ScenePoint p;
    p.group = group_of(demo_->atlas_tasks[task]);
    p.label = demo_->atlas_tasks[task];
    scene_.points.push_back(p);
  }
  for (int t = 0; t < demo_->atlas_tasks.size() && !demo_->soup_rows.empty(); ++t) {
    widgets::ScenePoint p;
    p.kind = widgets::PointKind::Soup;
    p.group = group_of(demo_->atlas_tasks[t]);
    p.label = tr("%1 (%2 of its checkpoints)").arg(demo_->atlas_tasks[t], demo_->soup_kind);
    scene_.points.push_back(p);
  }
}

void StudioWindow::on_demo_loaded(std::shared_ptr<const DemoContent> demo) {
  ++replay_serial_;
  demo_ = std::move(demo);
  setWindowTitle(tr("LoRA Studio — %1").arg(demo_->name));
  notice_->setText(demo_->notice);
  notice_->setVisible(!demo_->notice.isEmpty());
  const bool text = demo_->kind == ConditionKind::Text;
  condition_heading_->setText(text ? tr("<b>Condition</b> — a task of the demo, or describe your own")
                                   : tr("<b>Condition</b> — a style of the demo, or an image of your own"));
  description_box_->setVisible(text);
  pick_->setVisible(!text);
  if (demo_->world) {  // where the world's figures were measured (a project replayed next sets its own)
    const GenerateOptions sampling = demo_->world->sampling();
    sampler_->setCurrentText(QString::fromStdString(sampling.sampler));
    steps_->setValue(static_cast<int>(sampling.steps));
    guidance_->setValue(sampling.guidance);
    suggested_guidance_ = guidance_->value();
  }
  fill_conditions();
  build_atlas_scene();
  if (!pending_project_) refresh_scene();  // a project's replay rebuilds the view once, at its end
  embedding_.reset();
  embedding_ = std::make_unique<EmbeddingWorker>(EmbeddingSettings{});
  connect(embedding_.get(), &EmbeddingWorker::frame_ready, this, &StudioWindow::on_frame);
  connect(embedding_.get(), &EmbeddingWorker::failed, this, &StudioWindow::show_error);
  pca_ = demo_->pca ? std::make_unique<PcaLayout>(*demo_->pca) : std::make_unique<PcaLayout>();  // fitted by the loader
  tsne_positions_.reset();
  tsne_title_ = scene_.space;
  std::vector<float> rows = demo_->atlas_rows;
  rows.insert(rows.end(), demo_->soup_rows.begin(), demo_->soup_rows.end());
  add_embedded_rows(rows, demo_->dims);
  update_view_title();
  start_candidates(*demo_);
  generations_.clear();
  walks_.clear();
  paths_so_far_ = 0;
  generate_->setEnabled(true);
  pick_->setEnabled(true);
  walk_->setEnabled(walk_to_->count() > 1);
  statusBar()->showMessage(tr("%1 conditions; embedding the checkpoints…").arg(demo_->conditions.size()), 5000);
  if (pending_project_) {  // replayed from the next event on, so that this one stays short
    auto project = std::move(pending_project_);
    pending_project_.reset();
    QTimer::singleShot(0, this, [this, project, serial = replay_serial_] {
      if (serial == replay_serial_) replay_project(project);
    });
  }
  Q_EMIT demo_loaded();
}

void StudioWindow::add_embedded_rows(const std::vector<float>& rows, int64_t dims) {
  embedding_->add_points(rows, dims);
  if (!pca_ || !pca_->fitted()) return;
  pca_->add(rows);
  if (projection_ == Projection::Pca) view_->set_positions(pca_->positions());
}

void StudioWindow::set_projection(Projection projection) {
  projection_ = projection;
  (projection == Projection::Pca ? pca_action_ : tsne_action_)->setChecked(true);
  update_view_title();
  if (projection == Projection::Pca && pca_ && pca_->fitted()) view_->set_positions(pca_->positions());
  if (projection == Projection::Tsne && tsne_positions_) view_->set_positions(tsne_positions_);
  view_->fit();
}

void StudioWindow::refresh_scene() {
  view_->set_scene(scene_);
  update_view_title();
  const auto positions = projection_ == Projection::Pca && pca_ && pca_->fitted() ? pca_->positions() : tsne_positions_;
  if (positions) view_->set_positions(positions);
}

void StudioWindow::update_view_title() {
  if (projection_ == Projection::Tsne || !pca_ || !pca_->fitted()) {
    view_->set_title(tsne_title_);
    view_->set_axis_labels(tr("dimension 1"), tr("dimension 2"));
    return;
  }
  view_->set_title(tr("PCA of the generator's latent space, fitted on the %1 training checkpoints").arg(demo_->atlas_task.size()));
  view_->set_axis_labels(tr("PC 1 (%1% of the variance)").arg(100 * pca_->explained(0), 0, 'f', 1),
                         tr("PC 2 (%1%)").arg(100 * pca_->explained(1), 0, 'f', 1));
}

void StudioWindow::on_frame(const EmbeddingFrame& frame) {
  tsne_positions_ = frame.positions;
  if (projection_ == Projection::Tsne) view_->set_positions(frame.positions);
  embedding_status_->setText(tr("t-SNE · %1 points · iteration %2%3")
                                 .arg(frame.points)
                                 .arg(frame.iteration)
                                 .arg(frame.settled ? tr(" · settled") : QString()));
  if (frame.settled && !job_ && !settled_reported_) {
    settled_reported_ = true;
    Q_EMIT embedding_settled();
  }
}

void StudioWindow::set_walk_target(const QString& style) { walk_to_->setCurrentText(style); }

int StudioWindow::condition_count() const { return conditions_->count(); }

QStringList StudioWindow::condition_names() const {
  QStringList names;
  for (int i = 0; i < conditions_->count(); ++i) names << conditions_->item(i)->data(Qt::UserRole).toString();
  return names;
}

bool StudioWindow::text_conditions() const { return demo_ && demo_->kind == ConditionKind::Text; }

void StudioWindow::select_condition(const QString& style) {
  for (int i = 0; i < conditions_->count(); ++i)
    if (conditions_->item(i)->data(Qt::UserRole).toString() == style) conditions_->setCurrentRow(i);
}

QString StudioWindow::selected_style() const {
  const auto* item = conditions_->currentItem();
  return item ? item->data(Qt::UserRole).toString() : QString();
}

void StudioWindow::show_error(const QString& message) {
  statusBar()->showMessage(tr("Error: %1").arg(message));
  Q_EMIT failed(message);
}

}  // namespace lorastudio::gui
