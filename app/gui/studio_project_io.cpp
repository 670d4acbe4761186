// Studio projects: saving the demo, every finished generation (settings, every step's latents, the adapters)
// and the view to a .lsproject file, and reopening one: its demo loads if needed, then the generations are
// replayed into the embedding, the results and the interpolation without sampling again.
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QComboBox>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>

#include <torch/torch.h>

#include "app/gui/candidate_store.h"
#include "app/gui/demo_content.h"
#include "app/gui/embedding_worker.h"
#include "app/gui/studio_window.h"
#include "app/gui/worker_thread.h"
#include "core/generator/condition_walk.h"
#include "core/lora/lora_adapter.h"
#include "core/studio/studio_project.h"
#include "core/world/studio_world.h"
#include "core/generator/conditional_generator.h"
#include "widgets/interpolation_panel.h"
#include "widgets/results_table.h"
#include "widgets/trajectory_view.h"

namespace lorastudio::gui {

struct ProjectContent {
  QString path;
  StudioProject project;
};

namespace {

constexpr int kRecentProjects = 8;

torch::Tensor step_tensor(const std::vector<std::shared_ptr<const std::vector<float>>>& steps, int64_t samples, int64_t dims) {
  auto out = torch::empty({static_cast<int64_t>(steps.size()), samples, dims});
  for (size_t s = 0; s < steps.size(); ++s)
    std::copy(steps[s]->begin(), steps[s]->end(), out[static_cast<int64_t>(s)].data_ptr<float>());
  return out;
}

std::vector<std::shared_ptr<const std::vector<float>>> step_rows(const torch::Tensor& latents) {
  std::vector<std::shared_ptr<const std::vector<float>>> rows;
  for (int64_t s = 0; s < latents.size(0); ++s) {
    const auto step = latents[s].contiguous();
    rows.push_back(std::make_shared<const std::vector<float>>(step.data_ptr<float>(), step.data_ptr<float>() + step.numel()));
  }
  return rows;
}

}  // namespace

void StudioWindow::save_project(const QString& path) {
  if (!demo_) {
    show_error(tr("Open a demo before saving a project"));
    return;
  }
  StudioProject project;
  project.demo = demo_->world->dir();
  const ZooLayout& layout = demo_->world->generator()->layout;
  for (const auto& g : generations_) {
    ProjectGeneration out;
    out.style = g.record.condition.name;
    out.condition = g.record.condition.image;
    out.text = g.record.condition.image.empty() ? g.record.condition.text : std::string();
    out.examples = g.record.condition.image.empty() ? g.record.condition.examples : std::vector<std::string>();
    out.samples = g.record.samples;
    out.steps = g.record.steps;
    out.sampler = g.record.sampler.toStdString();
    out.seed = g.record.seed;
    out.guidance = g.record.guidance;
    out.step_latents = step_tensor(g.steps, g.record.samples, g.dims);
    std::vector<torch::Tensor> rows;
    for (int id : g.ids) rows.push_back(layout.flatten(*store_->adapter(id)));
    out.parameters = torch::stack(rows);
    project.generations.push_back(std::move(out));
  }
  for (const auto& w : walks_) {
    ProjectWalk out;
    out.from = w.from.toStdString();
    out.to = w.to.toStdString();
    out.weights = w.walk->weights;
    const int64_t count = w.walk->latents.size(0) / static_cast<int64_t>(w.walk->weights.size());
    out.latents = w.walk->latents.index({torch::indexing::Slice(torch::indexing::None, torch::indexing::None, count)}).contiguous();
    out.interpolation_latents = w.walk->interpolation_latents;
    if (w.walk->params.defined())
      out.parameters = w.walk->params.index({torch::indexing::Slice(torch::indexing::None, torch::indexing::None, count)}).contiguous();
    out.largest_step = w.walk->largest_step;
    out.interpolation_largest_step = w.walk->interpolation_largest_step;
    project.walks.push_back(std::move(out));
  }
  nlohmann::json hidden = nlohmann::json::array();
  for (auto it = layer_actions_.begin(); it != layer_actions_.end(); ++it)
    if (!it.value()->isChecked()) hidden.push_back(it.key());
  project.view = {{"projection", projection_ == Projection::Pca ? "pca" : "tsne"},
                  {"hidden_layers", hidden},
                  {"interpolation",
                   {{"a", interpolation_->adapter_a()}, {"b", interpolation_->adapter_b()}, {"lambda", interpolation_->lambda()},
                    {"subject", interpolation_->subject()}}},
                  {"selected", results_->selected_id()}};
  statusBar()->showMessage(tr("Saving %1…").arg(path));
  run_in_worker(
      this,
      [this, project, path]() -> Continuation {
        save_studio_project(project, path.toStdString());
        return [this, path] {
          project_path_ = path;
          remember_recent(path);
          setWindowTitle(tr("LoRA Studio — %1 — %2").arg(demo_->name, QFileInfo(path).fileName()));
          statusBar()->showMessage(tr("Saved %1").arg(path), 6000);
          Q_EMIT project_saved(path);
        };
      },
      [this](const QString& message) { show_error(message); }, QStringLiteral("project writer"));
}

void StudioWindow::open_project(const QString& path) {
  if (job_) {
    show_error(tr("Wait for the generation to finish (or cancel it) before opening a project"));
    return;
  }
  statusBar()->showMessage(tr("Opening %1…").arg(path));
  run_in_worker(
      this,
      [this, path]() -> Continuation {
        auto content = std::make_shared<ProjectContent>();
        content->path = path;
        content->project = load_studio_project(path.toStdString());
        return [this, content] {
          pending_project_ = content;  // replayed by on_demo_loaded, on a fresh scene and embedding
          if (demo_ && demo_->world->dir() == content->project.demo) on_demo_loaded(demo_);
          else open_demo(QString::fromStdString(content->project.demo));
        };
      },
      [this](const QString& message) { show_error(message); }, QStringLiteral("project reader"));
}

// The replay runs as a chain of short GUI-thread events, one generation each, so that reopening a large project
// never holds the window; a demo or project opened meanwhile ends the chain (its serial no longer matches).
void StudioWindow::replay_project(std::shared_ptr<const ProjectContent> content) {
  generations_.clear();
  walks_.clear();
  embedding_->open_input();
  generate_->setEnabled(false);  // until the replay has placed every generation
  walk_->setEnabled(false);
  const int serial = ++replay_serial_;
  QTimer::singleShot(0, this, [this, content, serial] { replay_generation(content, 0, serial); });
}

// A condition of one's own that the project's generation was made for, under its old name.
void StudioWindow::restore_own_condition(const ProjectGeneration& g) {
  WorldCondition c;
  c.name = g.style;
  c.image = g.condition;
  c.text = g.text;
  c.examples = g.examples;
  c.group = (g.condition.empty() ? tr("your descriptions") : tr("your image")).toStdString();
  c.held_out = c.own = true;
  add_own_condition(c, condition_thumbnail(c));
}

void StudioWindow::replay_generation(std::shared_ptr<const ProjectContent> content, int index, int serial) {
  if (serial != replay_serial_ || !demo_) return;
  const StudioProject& project = content->project;
  if (index >= static_cast<int>(project.generations.size())) {
    finish_replay(content);
    return;
  }
  const ProjectGeneration& g = project.generations[static_cast<size_t>(index)];
  const ZooLayout& layout = demo_->world->generator()->layout;
  if (g.parameters.size(1) != layout.dim()) {
    show_error(tr("%1: its adapters do not fit this demo's generator").arg(content->path));
    finish_replay(content);
    return;
  }
  if (!demo_->condition(QString::fromStdString(g.style))) restore_own_condition(g);
  const auto* known = demo_->condition(QString::fromStdString(g.style));
  const GenerationRecord record{known ? known->world : WorldCondition{}, demo_->name, static_cast<int>(g.samples),
                                static_cast<int>(g.steps), QString::fromStdString(g.sampler), g.seed, g.guidance};
  const QVector<int> final_points = add_generation_points(record.name(), record.samples, record.steps, false);
  const auto steps = step_rows(g.step_latents);
  const int64_t dims = g.step_latents.size(2);
  const auto all = g.step_latents.contiguous();  // every step at once: one batch for the embedding and the PCA view
  add_embedded_rows(std::vector<float>(all.data_ptr<float>(), all.data_ptr<float>() + all.numel()), dims);
  GenerationOutcome outcome;
  auto adapters = std::make_shared<std::vector<LoraAdapter>>();
  for (int64_t i = 0; i < g.samples; ++i) adapters->push_back(layout.unflatten(g.parameters[i]));
  outcome.adapters = std::move(adapters);
  outcome.final_latents = steps.back();
  outcome.dims = dims;
  const QVector<int> ids = on_generated(record, outcome, final_points);
  generations_.push_back({record, steps, dims, ids});
  QTimer::singleShot(0, this, [this, content, index, serial] { replay_generation(content, index + 1, serial); });
}

// The walks as they were placed, with their adapters as candidates (older projects kept none), then the view.
void StudioWindow::finish_replay(std::shared_ptr<const ProjectContent> content) {
  const StudioProject& project = content->project;
  embedding_->close_input();
  generate_->setEnabled(true);
  walk_->setEnabled(walk_to_->count() > 1);
  for (const auto& w : project.walks) {
    auto walk = std::make_shared<ConditionWalk>();
    walk->weights = w.weights;
    walk->latents = w.latents;
    walk->interpolation_latents = w.interpolation_latents;
    walk->largest_step = w.largest_step;
    walk->interpolation_largest_step = w.interpolation_largest_step;
    const ZooLayout& layout = demo_->world->generator()->layout;
    if (w.parameters.defined() && w.parameters.size(1) == layout.dim()) {
      walk->params = w.parameters;
      for (int64_t i = 0; i < w.parameters.size(0); ++i) walk->adapters.push_back(layout.unflatten(w.parameters[i]));
    }
    walks_.push_back({QString::fromStdString(w.from), QString::fromStdString(w.to), walk});
    const QVector<int> points = show_walk(*walk, walks_.back().from, walks_.back().to);
    if (store_) list_candidates(store_->add_walk(walks_.back().from, walks_.back().to, demo_->name, *walk), points);
  }
  refresh_scene();
  QTimer::singleShot(0, this, [this, content, serial = replay_serial_] {
    if (serial == replay_serial_ && demo_) restore_view(content);
  });
}

void StudioWindow::restore_view(std::shared_ptr<const ProjectContent> content) {
  const auto& view = content->project.view;
  if (view.value("projection", "tsne") == "pca") set_projection(Projection::Pca);
  for (auto* action : layer_actions_) action->setChecked(true);
  for (const auto& kind : view.value("hidden_layers", nlohmann::json::array()))
    if (kind.is_number_integer() && layer_actions_.contains(kind.get<int>())) layer_actions_[kind.get<int>()]->setChecked(false);
  if (view.contains("interpolation")) {
    const auto& i = view["interpolation"];
    interpolation_->set_ends(i.value("a", -1), i.value("b", -1));
    interpolation_->set_lambda(i.value("lambda", 0.5));
  }
  if (view.value("selected", -1) >= 0) select_candidate(view.value("selected", -1));
  project_path_ = content->path;
  remember_recent(content->path);
  setWindowTitle(tr("LoRA Studio — %1 — %2").arg(demo_->name, QFileInfo(content->path).fileName()));
  statusBar()->showMessage(tr("Opened %1: %2 generations").arg(content->path).arg(content->project.generations.size()), 6000);
  Q_EMIT project_opened(content->path);
}

void StudioWindow::remember_recent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("studio/recent")).toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kRecentProjects) recent.removeLast();
  settings.setValue(QStringLiteral("studio/recent"), recent);
  rebuild_recent_menu();
}

void StudioWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("studio/recent")).toStringList();
  for (const QString& path : recent) recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { open_project(path); })->setToolTip(path);
  recent_menu_->setEnabled(!recent.isEmpty());
}

}  // namespace lorastudio::gui
