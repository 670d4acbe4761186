#include "widgets/trajectory_svg.h"

#include <QMap>
#include <QPointF>
#include <QTextStream>

#include <algorithm>
#include <cmath>

namespace lorastudio::widgets {
namespace {

struct Frame {  // data -> canvas
  double min_x = 0, min_y = 0, scale = 1, left = 60, top = 50, height = 0;
  QPointF map(double x, double y) const { return {left + (x - min_x) * scale, top + height - (y - min_y) * scale}; }
};

Frame fit_frame(const std::vector<float>& xy, int count, int width, int height) {
  Frame f;
  double max_x = 0, max_y = 0;
  for (int i = 0; i < count; ++i) {
    const double x = xy[2 * i], y = xy[2 * i + 1];
    f.min_x = i == 0 ? x : std::min(f.min_x, x);
    f.min_y = i == 0 ? y : std::min(f.min_y, y);
    max_x = i == 0 ? x : std::max(max_x, x);
    max_y = i == 0 ? y : std::max(max_y, y);
  }
  const double w = width - 2 * f.left - 160, h = height - f.top - 40;  // room for the legend on the right
  f.scale = std::min(w / std::max(max_x - f.min_x, 1e-9), h / std::max(max_y - f.min_y, 1e-9));
  f.height = (max_y - f.min_y) * f.scale;
  return f;
}

QString shape(PointKind kind, const QPointF& c, const QColor& color) {
  const QString fill = color.name();
  switch (kind) {
    case PointKind::Checkpoint:
      return QStringLiteral("<circle cx='%1' cy='%2' r='3' fill='%3'/>\n").arg(c.x(), 0, 'f', 1).arg(c.y(), 0, 'f', 1).arg(fill);
    case PointKind::SampleStep:
      return QStringLiteral("<circle cx='%1' cy='%2' r='2' fill='white' stroke='%3'/>\n").arg(c.x(), 0, 'f', 1).arg(c.y(), 0, 'f', 1).arg(fill);
    case PointKind::Soup:
      return QStringLiteral("<polygon points='%1,%2 %3,%4 %1,%5 %6,%4' fill='%7' stroke='black'/>\n")
          .arg(c.x(), 0, 'f', 1).arg(c.y() - 6, 0, 'f', 1).arg(c.x() + 6, 0, 'f', 1).arg(c.y(), 0, 'f', 1)
          .arg(c.y() + 6, 0, 'f', 1).arg(c.x() - 6, 0, 'f', 1).arg(fill);
    case PointKind::Walk:
      return QStringLiteral("<polygon points='%1,%2 %3,%4 %5,%4' fill='%6' stroke='black'/>\n")
          .arg(c.x(), 0, 'f', 1).arg(c.y() - 6, 0, 'f', 1).arg(c.x() + 5.5, 0, 'f', 1).arg(c.y() + 4, 0, 'f', 1)
          .arg(c.x() - 5.5, 0, 'f', 1).arg(fill);
    case PointKind::Interpolated:
      return QStringLiteral("<rect x='%1' y='%2' width='8' height='8' fill='white' stroke='%3' stroke-width='1.5'/>\n")
          .arg(c.x() - 4, 0, 'f', 1).arg(c.y() - 4, 0, 'f', 1).arg(fill);
    case PointKind::Generated: {
      QString points;
      for (int k = 0; k < 10; ++k) {
        const double r = k % 2 ? 3.0 : 7.5, a = M_PI / 5 * k - M_PI / 2;
        points += QStringLiteral("%1,%2 ").arg(c.x() + r * std::cos(a), 0, 'f', 1).arg(c.y() + r * std::sin(a), 0, 'f', 1);
      }
      return QStringLiteral("<polygon points='%1' fill='%2' stroke='%3'/>\n").arg(points.trimmed(), fill, color.darker(160).name());
    }
  }
  return {};
}

}  // namespace

QString trajectory_svg(const TrajectoryScene& scene, const std::vector<float>& xy, int width, int height) {
  const int count = std::min<int>(scene.points.size(), static_cast<int>(xy.size() / 2));
  const Frame f = fit_frame(xy, count, width, height);
  QString out;
  QTextStream s(&out);
  s << "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='"
    << height << "' viewBox='0 0 " << width << " " << height << "' font-family='sans-serif'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n<text x='" << width / 2 << "' y='28' text-anchor='middle' "
    << "font-size='15' font-weight='bold'>" << scene.space.toHtmlEscaped() << "</text>\n";
  QMap<int, QVector<int>> paths;
  for (int i = 0; i < count; ++i)
    if (scene.points[i].path_id() >= 0) paths[scene.points[i].path_id()].push_back(i);
  for (const auto& path : paths) {
    s << "<polyline fill='none' stroke-opacity='0.6' stroke-width='1.4' stroke='"
      << scene.color_of(scene.points[path.front()].group).name() << "' points='";
    for (int i : path) {
      const QPointF p = f.map(xy[2 * i], xy[2 * i + 1]);
      s << QString::number(p.x(), 'f', 1) << "," << QString::number(p.y(), 'f', 1) << " ";
    }
    s << "'/>\n";
  }
  for (const PointKind kind : {PointKind::SampleStep, PointKind::Checkpoint, PointKind::Soup, PointKind::Generated,
                               PointKind::Walk, PointKind::Interpolated})
    for (int i = 0; i < count; ++i) {
      const ScenePoint& p = scene.points[i];
      if (p.kind != kind) continue;
      const QColor color = scene.color_of(p.group);
      s << shape(kind, f.map(xy[2 * i], xy[2 * i + 1]), color);
    }
  const LegendGroups legend = legend_groups(scene);
  const auto entry = [&](int row, const QColor& color, const QString& text) {
    const int y = 60 + 18 * row, x = width - 170;
    s << "<circle cx='" << x << "' cy='" << y - 4 << "' r='4' fill='" << color.name() << "'/><text x='" << x + 10
      << "' y='" << y << "' font-size='12'>" << text.toHtmlEscaped() << "</text>\n";
  };
  for (int row = 0; row < legend.named.size(); ++row) entry(row, scene.color_of(legend.named[row]), scene.groups[legend.named[row]].name);
  if (legend.others > 0)
    entry(static_cast<int>(legend.named.size()), QColor(110, 110, 110), QStringLiteral("checkpoints of %1 other tasks").arg(legend.others));
  s << "</svg>\n";
  return out;
}

}  // namespace lorastudio::widgets
