#include "widgets/trajectory_scene.h"

#include <QCoreApplication>

namespace lorastudio::widgets {

QString kind_name(PointKind kind) {
  switch (kind) {
    case PointKind::Checkpoint: return QCoreApplication::translate("TrajectoryScene", "checkpoint");
    case PointKind::Soup: return QCoreApplication::translate("TrajectoryScene", "ΔW soup");
    case PointKind::SampleStep: return QCoreApplication::translate("TrajectoryScene", "sampling step");
    case PointKind::Generated: return QCoreApplication::translate("TrajectoryScene", "generated");
    case PointKind::Walk: return QCoreApplication::translate("TrajectoryScene", "condition walk");
    case PointKind::Interpolated: return QCoreApplication::translate("TrajectoryScene", "ΔW interpolation of its ends");
  }
  return {};
}

QColor TrajectoryScene::color_of(int group) const {
  return group >= 0 && group < groups.size() && groups[group].color.isValid() ? groups[group].color : group_color(group);
}

LegendGroups legend_groups(const TrajectoryScene& scene, int max_named) {
  const int n = static_cast<int>(scene.groups.size());
  QVector<bool> used(n, n <= max_named), checkpoints(n, false);
  for (const ScenePoint& p : scene.points) {
    if (p.group < 0 || p.group >= n) continue;
    if (p.kind == PointKind::Checkpoint) checkpoints[p.group] = true;
    else if (p.kind != PointKind::Soup) used[p.group] = true;
  }
  LegendGroups out;
  for (int g = 0; g < n; ++g) {
    if (used[g]) out.named.push_back(g);
    else out.others += checkpoints[g];
  }
  return out;
}

QColor group_color(int index) {
  // Tableau 10 and two more, distinct on white and for most colour-vision deficiencies in pairs.
  static const char* const kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b"};
  return QColor(kColors[((index % 12) + 12) % 12]);
}

}  // namespace lorastudio::widgets
