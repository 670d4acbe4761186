// The studio's condition walk: adapters generated along the path between two conditions' embeddings, placed
// in the trajectory view beside the weight-space interpolation between the walk's two end adapters, with a
// figure for how evenly the walk moves (a generator that only copies its tasks jumps from one to the other).
#include <atomic>

#include <QComboBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>

#include <torch/torch.h>

#include "app/gui/demo_content.h"
#include "app/gui/embedding_worker.h"
#include "app/gui/studio_window.h"
#include "app/gui/worker_thread.h"
#include "core/generator/condition_walk.h"
#include "core/generator/condition_encoder.h"
#include "core/world/studio_world.h"
#include "widgets/trajectory_view.h"

namespace lorastudio::gui {
namespace {

constexpr int kWalkPoints = 7;

int scene_group(widgets::TrajectoryScene& scene, QStringList& families, const QString& name, const QColor& color) {
  const int index = families.indexOf(name);
  if (index >= 0) return index;
  families << name;
  scene.groups.push_back({name, color});
  return static_cast<int>(families.size()) - 1;
}

}  // namespace

void StudioWindow::start_walk() {
  if (!demo_ || job_ || walking_) return;
  const QString from = selected_style(), to = walk_to_->currentText();
  const auto *a = demo_->condition(from), *b = demo_->condition(to);
  if (!a || !b || from == to) {
    show_error(tr("Pick two different conditions: the selected one and one to walk to"));
    return;
  }
  walking_ = true;
  generate_->setEnabled(false);
  walk_->setEnabled(false);
  progress_->setRange(0, kWalkPoints);
  progress_->setValue(0);
  auto done = std::make_shared<std::atomic<int>>(0);
  auto* poll = new QTimer(this);  // progress from the worker, polled (nothing to call back into)
  connect(poll, &QTimer::timeout, this, [this, done] { progress_->setValue(done->load()); });
  poll->start(100);
  ConditionWalkOptions options;
  options.points = kWalkPoints;
  options.generation.count = 1;
  options.generation.steps = steps_->value();
  options.generation.sampler = sampler_->currentText().toStdString();
  options.generation.seed = static_cast<uint64_t>(seed_->value());
  options.generation.guidance = guidance_->value();
  auto world = demo_->world;
  const WorldCondition from_condition = a->world, to_condition = b->world;
  statusBar()->showMessage(tr("Walking from %1 to %2…").arg(from, to));
  const auto finish = [this, poll] {
    poll->deleteLater();
    progress_->setValue(progress_->maximum());
    walking_ = false;
    generate_->setEnabled(true);
    walk_->setEnabled(true);
  };
  run_in_worker(
      this,
      [world, from_condition, to_condition, options, done, from, to, finish, this]() -> Continuation {
        const ConditionInput ca = from_condition.input(), cb = to_condition.input();
        auto walk = std::make_shared<const ConditionWalk>(condition_walk(*world->generator(), ca, cb, options, [done](int d, int) {
          *done = d;
          return true;
        }));
        return [this, walk, from, to, finish] {
          finish();
          walks_.push_back({from, to, walk});
          const QVector<int> points = show_walk(*walk, from, to);
          // Its adapters as candidates (selectable, exportable), in an event of their own: placing the walk in the
          // view is this one's work.
          QTimer::singleShot(0, this, [this, walk, from, to, points, serial = replay_serial_] {
            if (store_ && serial == replay_serial_) list_candidates(store_->add_walk(from, to, demo_->name, *walk), points);
          });
        };
      },
      [this, finish](const QString& message) {
        finish();
        show_error(message);
      },
      QStringLiteral("condition walk"));
}

QVector<int> StudioWindow::show_walk(const ConditionWalk& walk, const QString& from, const QString& to) {
  const int walk_group = scene_group(scene_, families_, tr("condition walk"), QColor(150, 20, 60));
  const int lerp_group = scene_group(scene_, families_, tr("ΔW interpolation"), QColor(90, 90, 90));
  const int64_t points = static_cast<int64_t>(walk.weights.size()), count = walk.latents.size(0) / points;
  const auto firsts = walk.latents.index({torch::indexing::Slice(torch::indexing::None, torch::indexing::None, count)}).contiguous();
  QVector<int> walk_points;
  const auto add_path = [&](const torch::Tensor& latents, widgets::PointKind kind, int group, const QString& what) {
    const int path = paths_so_far_++;
    if (kind == widgets::PointKind::Walk)
      for (int64_t i = 0; i < points; ++i) walk_points << scene_.points.size() + static_cast<int>(i);
    for (int64_t i = 0; i < points; ++i) {
      widgets::ScenePoint p;
      p.kind = kind;
      p.group = group;
      p.path = path;
      p.step = static_cast<int>(i);
      p.label = tr("%1 %2 → %3, weight %4").arg(what, from, to).arg(walk.weights[static_cast<size_t>(i)], 0, 'f', 2);
      scene_.points.push_back(p);
    }
    add_embedded_rows(std::vector<float>(latents.data_ptr<float>(), latents.data_ptr<float>() + latents.numel()), latents.size(1));
  };
  embedding_->open_input();
  add_path(firsts, widgets::PointKind::Walk, walk_group, tr("condition walk"));
  if (walk.interpolation_latents.defined())
    add_path(walk.interpolation_latents.contiguous(), widgets::PointKind::Interpolated, lerp_group, tr("ΔW interpolation"));
  embedding_->close_input();
  settled_reported_ = false;
  refresh_scene();
  last_walk_step_ = walk.largest_step;
  const QString even = QString::number(1.0 / (points - 1), 'f', 2);
  const QString lerp = walk.interpolation_latents.defined()
                           ? tr("the ΔW interpolation's: %1").arg(walk.interpolation_largest_step, 0, 'f', 2)
                           : tr("no exact ΔW interpolation: the end adapters' A factors differ");
  statusBar()->showMessage(tr("Walk %1 → %2: its largest step is %3 of the distance between its ends (even: %4; %5)")
                               .arg(from, to)
                               .arg(walk.largest_step, 0, 'f', 2)
                               .arg(even, lerp),
                           15000);
  Q_EMIT walk_finished(walk.largest_step);
  return walk_points;
}

}  // namespace lorastudio::gui
