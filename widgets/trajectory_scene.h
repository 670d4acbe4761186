#pragma once
// What the trajectory view shows, as plain data (no LibTorch): the points of one embedding space (training
// checkpoints coloured by task, ΔW soups, every sampling step of every generated sample, the generated
// adapters) and their 2-D positions, which arrive frame by frame from the embedding worker.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <QColor>
#include <QString>
#include <QVector>

namespace lorastudio::widgets {

// Walk: an adapter generated on a condition walk; Interpolated: the weight-space interpolation between the
// walk's ends at the same weight.
enum class PointKind { Checkpoint, Soup, SampleStep, Generated, Walk, Interpolated };
QString kind_name(PointKind kind);  // "checkpoint", "ΔW soup", "sampling step", "generated", "condition walk", …

struct ScenePoint {
  PointKind kind = PointKind::Checkpoint;
  int group = 0;        // index into TrajectoryScene::groups (the task)
  int sample = -1;      // generated sample (SampleStep, Generated), as its generation numbers it
  int path = -1;        // the sampling path it lies on, unique in the scene (-1: `sample` is unique)
  int path_id() const { return path >= 0 ? path : sample; }
  int step = -1;        // sampling step, 0 = noise (SampleStep)
  QString label;        // what hovering shows first
  double metric = std::numeric_limits<double>::quiet_NaN();  // a score, when there is one
  QString metric_name;
};

struct SceneGroup {
  QString name;
  QColor color;
};

struct TrajectoryScene {
  QString space;        // what the positions embed, e.g. "t-SNE of the autoencoder latent"
  QVector<SceneGroup> groups;
  QVector<ScenePoint> points;
  QColor color_of(int group) const;  // the group's own colour, else the palette's
};

// The groups a legend names: every group, or in a scene of more than `max_named` groups (the text world's 160
// tasks) only those with points besides checkpoints and soups (generated for, walked); `others` counts the
// unnamed groups that have checkpoints, which a legend gives one neutral entry.
struct LegendGroups {
  QVector<int> named;
  int others = 0;
};
LegendGroups legend_groups(const TrajectoryScene& scene, int max_named = 16);

// Positions of the first N scene points: x0, y0, x1, y1, ... (immutable, shared between threads).
using ScenePositions = std::shared_ptr<const std::vector<float>>;

// A qualitative palette of readable, distinct colours (wraps after 12).
QColor group_color(int index);

}  // namespace lorastudio::widgets
