// The studio's analysis docks: the results table of generated candidates, the λ interpolation with its live
// preview and contact sheets, and the inspector (‖ΔW‖ per module, singular values, cosine between A and B).
#include <QDockWidget>
#include <QFileDialog>
#include <QTimer>
#include <QFileInfo>
#include <QGridLayout>
#include <QTabWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

#include "app/gui/candidate_store.h"
#include "app/gui/demo_content.h"
#include "app/gui/preview_worker.h"
#include "app/gui/studio_window.h"
#include "widgets/interpolation_panel.h"
#include "widgets/module_heatmap.h"
#include "widgets/module_norm_plot.h"
#include "widgets/spectrum_plot.h"
#include "widgets/module_table.h"
#include "widgets/results_table.h"
#include "widgets/trajectory_view.h"

namespace lorastudio::gui {
QDockWidget* StudioWindow::add_dock(const QString& title, const QString& id, QWidget* content, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(id);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  dock->setWidget(content);
  addDockWidget(area, dock);
  return dock;
}

void StudioWindow::build_analysis_docks() {
  auto* results_panel = new QWidget(this);
  auto* results_layout = new QVBoxLayout(results_panel);
  results_ = new widgets::ResultsTable(results_panel);
  results_layout->addWidget(results_, 1);
  auto* buttons = new QHBoxLayout;
  auto* use_a = new QPushButton(tr("Use as A"), results_panel);
  auto* use_b = new QPushButton(tr("Use as B"), results_panel);
  auto* exported = new QPushButton(tr("Export…"), results_panel);
  use_a->setToolTip(tr("Interpolate from this candidate"));
  use_b->setToolTip(tr("Interpolate to this candidate"));
  exported->setToolTip(tr("Save the selected candidate as PEFT, diffusers or kohya, with its provenance (Ctrl+Shift+E)"));
  buttons->addWidget(use_a);
  buttons->addWidget(use_b);
  buttons->addStretch(1);
  buttons->addWidget(exported);
  results_layout->addLayout(buttons);
  auto* results_dock = add_dock(tr("Results"), QStringLiteral("results"), results_panel, Qt::BottomDockWidgetArea);
  connect(results_, &widgets::ResultsTable::candidate_selected, this, &StudioWindow::select_candidate);
  connect(exported, &QPushButton::clicked, this, &StudioWindow::export_selected);
  connect(use_a, &QPushButton::clicked, this, [this] {
    if (results_->selected_id() >= 0) interpolation_->set_ends(results_->selected_id(), interpolation_->adapter_b());
  });
  connect(use_b, &QPushButton::clicked, this, [this] {
    if (results_->selected_id() >= 0) interpolation_->set_ends(interpolation_->adapter_a(), results_->selected_id());
  });

  interpolation_ = new widgets::InterpolationPanel(this);
  auto* interpolate_dock = add_dock(tr("Interpolate"), QStringLiteral("interpolate"), interpolation_, Qt::RightDockWidgetArea);
  connect(interpolation_, &widgets::InterpolationPanel::preview_requested, this, &StudioWindow::request_preview);
  connect(interpolation_, &widgets::InterpolationPanel::contact_sheet_requested, this, &StudioWindow::save_contact_sheet);

  auto* inspector = new QWidget(this);
  auto* inspector_layout = new QGridLayout(inspector);
  inspector_title_ = new QLabel(tr("Select a candidate to inspect it"), inspector);
  auto* norm_views = new QTabWidget(inspector);  // ‖ΔW‖ as layer × module type, or per module in order
  norm_views->setDocumentMode(true);
  norm_views->setTabPosition(QTabWidget::South);
  inspector_heatmap_ = new widgets::ModuleHeatmap(norm_views);
  inspector_norms_ = new widgets::ModuleNormPlot(norm_views);
  norm_views->addTab(inspector_heatmap_, tr("Layer × type"));
  norm_views->addTab(inspector_norms_, tr("Per module"));
  inspector_spectra_ = new widgets::SpectrumPlot(norm_views);
  norm_views->addTab(inspector_spectra_, tr("Spectra"));
  inspector_table_ = new widgets::ModuleTable(inspector);
  connect(inspector_table_, &widgets::ModuleTable::module_selected, inspector_spectra_, &widgets::SpectrumPlot::highlight_name);
  cosine_title_ = new QLabel(tr("Cosine of ΔW per module between A and B"), inspector);
  inspector_cosines_ = new widgets::ModuleNormPlot(inspector);
  for (QLabel* title : {inspector_title_, cosine_title_}) title->setWordWrap(true);  // long names: the plots keep equal halves
  inspector_layout->addWidget(inspector_title_, 0, 0);
  inspector_layout->addWidget(cosine_title_, 0, 1);
  inspector_layout->addWidget(norm_views, 1, 0);
  inspector_layout->addWidget(inspector_cosines_, 1, 1);
  inspector_layout->addWidget(inspector_table_, 2, 0, 1, 2);
  inspector_layout->setRowStretch(1, 1);
  inspector_layout->setColumnStretch(0, 1);
  inspector_layout->setColumnStretch(1, 1);
  inspector_layout->setRowStretch(2, 1);
  auto* inspector_dock = add_dock(tr("Inspector"), QStringLiteral("inspector"), inspector, Qt::BottomDockWidgetArea);
  splitDockWidget(results_dock, inspector_dock, Qt::Horizontal);
  resizeDocks({results_dock}, {300}, Qt::Vertical);
  resizeDocks({results_dock, inspector_dock}, {780, 640}, Qt::Horizontal);
  resizeDocks({interpolate_dock}, {340}, Qt::Horizontal);
  connect(view_, &widgets::TrajectoryView::point_selected, this, [this](int point) {
    const int id = final_point_.key(point, -1);
    if (id >= 0) select_candidate(id);
  });
}

void StudioWindow::start_candidates(const DemoContent& demo) {
  delete store_;
  store_ = new CandidateStore(demo.world, this);
  final_point_.clear();
  compared_ = qMakePair(-1, -1);
  inspected_ = -1;
  results_->set_rows({});
  interpolation_->set_adapters({});
  connect(store_, &CandidateStore::failed, this, &StudioWindow::show_error);
  connect(store_, &CandidateStore::scored, this, &StudioWindow::on_scored);
  connect(store_, &CandidateStore::inspected, this, [this](int id, const QVector<widgets::ModuleRow>& modules) {
    inspector_title_->setText(tr("<b>%1</b> — ‖ΔW‖ per module").arg(store_->name(id)));
    inspector_norms_->set_modules(modules);
    inspector_heatmap_->set_modules(modules);
    inspector_spectra_->set_modules(modules);
    // The table in an event of its own (filling and sorting it is the slow part), so neither holds the window long.
    QTimer::singleShot(0, this, [this, id, modules] {
      if (inspected_ == id) inspector_table_->set_modules(modules);
    });
  });
  connect(store_, &CandidateStore::compared, this, [this](int a, int b, const QVector<ModuleCosine>& cosines, double mean) {
    QVector<double> values;
    for (const auto& c : cosines) values << c.cosine;
    cosine_title_->setText(tr("Cosine of ΔW per module, %1 vs %2 (mean %3)").arg(store_->name(a), store_->name(b)).arg(mean, 0, 'f', 3));
    inspector_cosines_->set_bars(values, tr("cosine"), -1, 1);
  });
  connect(store_, &CandidateStore::exported, this, [this](const QString& path, const QString& notes) {
    statusBar()->showMessage(tr("Exported %1%2").arg(path, notes.isEmpty() ? QString() : QStringLiteral(" (") + notes + ')'), 8000);
  });
  // The same world again (a project reopened on it) keeps its preview thread: ending one waits for the frame it
  // is rendering, which would hold the window.
  if (previews_ && previews_world_ == demo.world) return;
  previews_.reset();
  previews_world_.reset();
  try {
    previews_ = std::make_unique<PreviewWorker>(make_preview_provider(demo));
  } catch (const std::exception& e) {
    show_error(tr("previews unavailable: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  previews_world_ = demo.world;
  interpolation_->set_preview_kind(previews_->title(), previews_->subjects());
  connect(previews_.get(), &PreviewWorker::preview_ready, this, [this](const QImage& image, const QString& caption) {
    interpolation_->show_preview(image, caption);
  });
  connect(previews_.get(), &PreviewWorker::sheet_saved, this, [this](const QString& path) {
    statusBar()->showMessage(tr("Saved the contact sheet %1").arg(path), 8000);
  });
  connect(previews_.get(), &PreviewWorker::failed, this, &StudioWindow::show_error);
}

QVector<int> StudioWindow::on_generated(const GenerationRecord& record, const GenerationOutcome& outcome, QVector<int> final_points) {
  if (!store_) return {};
  const QVector<int> ids = store_->add(record, outcome);
  list_candidates(ids, final_points);
  return ids;
}

void StudioWindow::list_candidates(const QVector<int>& ids, const QVector<int>& points) {
  for (int i = 0; i < ids.size() && i < points.size(); ++i) final_point_[ids[i]] = points[i];
  results_->set_rows(store_->rows());
  const int before = interpolation_->adapter_a();
  interpolation_->set_adapters(store_->choices());
  if (before < 0 && ids.size() >= 2) interpolation_->set_ends(ids.front(), ids.back());
}

void StudioWindow::on_scored() {
  results_->set_score_name(store_->score_name());
  const auto rows = store_->rows();
  results_->set_rows(rows);
  for (const auto& r : rows)  // hovering a generated point shows its score
    if (final_point_.contains(r.id)) {
      auto& p = scene_.points[final_point_[r.id]];
      p.metric = r.score;
      p.metric_name = tr("score");
      view_->set_point_metric(final_point_[r.id], r.score, p.metric_name);
    }
  statusBar()->showMessage(tr("%1 candidates scored").arg(rows.size()), 5000);
  Q_EMIT candidates_scored();
}

void StudioWindow::select_candidate(int id) {
  if (!store_ || !store_->adapter(id)) return;
  if (results_->selected_id() != id) results_->select_id(id);
  if (final_point_.contains(id) && view_->selected_point() != final_point_[id]) view_->select_point(final_point_[id]);
  if (inspected_ == id) return;  // the table and the view both report one selection
  inspected_ = id;
  store_->inspect(id);
}

void StudioWindow::request_preview(int a, int b, double lambda, int subject, bool draft) {
  if (!previews_ || !store_) return;
  previews_->request(store_->adapter(a), store_->adapter(b), lambda, subject, draft);
  if (compared_ != qMakePair(a, b)) {  // the cosines depend on the pair, not on λ
    compared_ = qMakePair(a, b);
    store_->compare(a, b);
  }
}

void StudioWindow::save_contact_sheet(int a, int b, int subject, int steps) {
  if (!previews_ || !store_) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Save the contact sheet"), QStringLiteral("interpolation.png"),
                                                    tr("PNG image (*.png);;JPEG image (*.jpg)"));
  if (path.isEmpty()) return;
  previews_->request_sheet(store_->adapter(a), store_->adapter(b), subject, steps, path,
                           tr("%1 → %2 (%3)").arg(store_->name(a), store_->name(b), previews_->title()));
}

void StudioWindow::export_selected() {
  const int id = results_->selected_id();
  if (id < 0 || !store_) {
    show_error(tr("Select a candidate in the results to export it"));
    return;
  }
  QString filter;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export %1").arg(store_->name(id)), store_->name(id).replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]+")), QStringLiteral("_")),
      tr("PEFT folder (*);;diffusers (*.safetensors);;kohya (*.safetensors)"), &filter);
  if (path.isEmpty()) return;
  const QString format = filter.startsWith(QStringLiteral("kohya")) ? QStringLiteral("kohya")
                         : filter.startsWith(QStringLiteral("diffusers")) ? QStringLiteral("diffusers")
                                                                          : QStringLiteral("peft");
  export_candidate(id, format, path);
}

void StudioWindow::export_candidate(int id, const QString& format, const QString& path) {
  if (store_) store_->export_adapter(id, format, path);
}

}  // namespace lorastudio::gui
