#include "widgets/trajectory_view.h"

#include <QFile>
#include <QMap>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "widgets/plot_setup.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/trajectory_svg.h"

namespace lorastudio::widgets {
namespace {

QCPScatterStyle vector_marker(PointKind kind, const QColor& color) {
  switch (kind) {
    case PointKind::Checkpoint: return QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 6);
    case PointKind::Soup: return QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(Qt::black, 1.2), color, 11);
    case PointKind::Generated: return QCPScatterStyle(QCPScatterStyle::ssStar, QPen(color.darker(160), 2), color, 13);
    case PointKind::SampleStep: return QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(color, 1), Qt::white, 4);
    case PointKind::Walk: return QCPScatterStyle(QCPScatterStyle::ssTriangle, QPen(Qt::black, 1.2), color, 11);
    case PointKind::Interpolated: return QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(color.darker(150), 1.6), Qt::white, 8);
  }
  return {};
}

// The marker drawn once, antialiased, into a pixmap that every point then blits: thousands of points
// replot several times faster than with a vector shape per point, and look the same.
QCPScatterStyle marker(PointKind kind, const QColor& color) {
  const QCPScatterStyle shape = vector_marker(kind, color);
  const int side = static_cast<int>(shape.size()) + 4;
  QPixmap pixmap(side, side);
  pixmap.fill(Qt::transparent);
  QCPPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  shape.applyTo(&painter, QPen());
  shape.drawShape(&painter, side / 2.0, side / 2.0);
  painter.end();
  return QCPScatterStyle(pixmap);
}

}  // namespace

TrajectoryView::TrajectoryView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  fill_with_plot(this, plot_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setNoAntialiasingOnDrag(true);
  // Polylines the fast way, labels cached (with pixmap markers a replot of thousands of points stays well
  // under a frame, so the GUI thread is never held up by the live embedding).
  plot_->setPlottingHints(QCP::phCacheLabels | QCP::phFastPolylines);
  plot_->plotLayout()->insertRow(0);
  title_ = new QCPTextElement(plot_, QString(), QFont(font().family(), 10, QFont::Bold));
  plot_->plotLayout()->addElement(0, 0, title_);
  plot_->legend->setVisible(true);
  plot_->legend->setFont(QFont(font().family(), 8));
  plot_->legend->setBrush(QColor(255, 255, 255, 215));
  // The legend in a column of its own, right of the plot, top-aligned: it never hides a cluster. The title
  // stays above both (the plot and the legend share one cell below it).
  QCPAxisRect* rect = plot_->axisRect();
  plot_->plotLayout()->take(rect);
  auto* body = new QCPLayoutGrid;
  plot_->plotLayout()->addElement(1, 0, body);
  body->addElement(0, 0, rect);
  plot_->axisRect()->insetLayout()->take(plot_->legend);
  auto* side = new QCPLayoutGrid;
  body->addElement(0, 1, side);
  side->addElement(0, 0, plot_->legend);
  side->addElement(1, 0, new QCPLayoutElement(plot_));  // takes the height below the legend
  side->setRowStretchFactor(0, 0.001);
  side->setMargins(QMargins(0, 14, 8, 0));  // level with the plot's top, clear of the widget's edge
  body->setColumnStretchFactor(1, 0.001);
  body->setColumnSpacing(8);
  plot_->xAxis->setLabel(tr("dimension 1"));
  plot_->yAxis->setLabel(tr("dimension 2"));
  plot_->setMouseTracking(true);
  connect(plot_, &QCustomPlot::mouseMove, this, &TrajectoryView::on_mouse_move);
  connect(plot_, &QCustomPlot::mousePress, this, &TrajectoryView::on_mouse_press);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { fit(); });
  connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { follow_ = false; });
  setMinimumSize(360, 280);
}

void TrajectoryView::add_layer(QCPAbstractPlottable* plottable, PointKind kind, QVector<int> points) {
  plottable->setVisible(kind_visible(kind));
  layers_.push_back({plottable, kind, std::move(points)});
}

void TrajectoryView::set_kind_visible(PointKind kind, bool visible) {
  if (visible) hidden_kinds_.remove(static_cast<int>(kind));
  else hidden_kinds_.insert(static_cast<int>(kind));
  for (const Layer& layer : layers_)
    if (layer.kind == kind) layer.plottable->setVisible(visible);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::set_axis_labels(const QString& x, const QString& y) {
  plot_->xAxis->setLabel(x);
  plot_->yAxis->setLabel(y);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::set_point_metric(int index, double value, const QString& name) {
  if (index < 0 || index >= scene_.points.size()) return;
  scene_.points[index].metric = value;
  scene_.points[index].metric_name = name;
}

void TrajectoryView::set_title(const QString& title) {
  title_->setText(title);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::set_scene(const TrajectoryScene& scene) {
  plot_->clearPlottables();
  layers_.clear();
  scene_ = scene;
  positions_.reset();
  selected_ = -1;
  follow_ = true;
  title_->setText(scene.space);
  // Sample paths first (drawn under the points), then checkpoints, soups and generated adapters per task.
  QMap<int, QVector<int>> paths;  // sample -> its steps and final point, in step order
  for (int i = 0; i < scene.points.size(); ++i)
    if (scene.points[i].path_id() >= 0) paths[scene.points[i].path_id()].push_back(i);
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    const ScenePoint& first = scene.points[it.value().front()];
    const QColor color = scene.color_of(first.group);
    const bool walk = first.kind == PointKind::Walk || first.kind == PointKind::Interpolated;
    auto* curve = new QCPCurve(plot_->xAxis, plot_->yAxis);
    QColor line = color;
    line.setAlpha(walk ? 220 : 150);
    curve->setPen(QPen(line, walk ? 2.2 : 1.4, first.kind == PointKind::Interpolated ? Qt::DashLine : Qt::SolidLine));
    curve->setScatterStyle(walk ? QCPScatterStyle(QCPScatterStyle::ssNone) : marker(PointKind::SampleStep, color));
    curve->removeFromLegend();
    add_layer(curve, walk ? first.kind : PointKind::SampleStep, it.value());
  }
  QVector<bool> named(scene.groups.size(), false);  // a group is named in the legend once, by its first kind
  // A world of many tasks names only those generated for; the others' checkpoints share one entry (add_kind_legend),
  // so the legend never outgrows the plot.
  const LegendGroups legend = legend_groups(scene);
  for (const PointKind kind : {PointKind::Checkpoint, PointKind::Soup, PointKind::Generated, PointKind::Walk, PointKind::Interpolated}) {
    for (int g = 0; g < scene.groups.size(); ++g) {
      QVector<int> members;
      for (int i = 0; i < scene.points.size(); ++i)
        if (scene.points[i].kind == kind && scene.points[i].group == g) members.push_back(i);
      if (members.isEmpty()) continue;
      auto* graph = plot_->addGraph();
      graph->setLineStyle(QCPGraph::lsNone);
      graph->setScatterStyle(marker(kind, scene.color_of(g)));
      graph->setName(scene.groups[g].name);
      // The legend names groups by their checkpoints (kinds once, below); a group without any (a condition of
      // one's own) by its generated adapters.
      if (named[g] || (kind != PointKind::Checkpoint && kind != PointKind::Generated) || !legend.named.contains(g))
        graph->removeFromLegend();
      named[g] = true;
      add_layer(graph, kind, members);
    }
  }
  add_kind_legend(scene, legend.others);
  highlight_marker_ = plot_->addGraph();
  highlight_marker_->setLineStyle(QCPGraph::lsNone);
  highlight_marker_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(20, 20, 20, 150), 1.0), Qt::NoBrush, 9));
  highlight_marker_->removeFromLegend();
  if (!highlight_label_) {
    highlight_label_ = new QCPItemText(plot_);
    highlight_label_->setFont(QFont(font().family(), 10, QFont::Bold));
    highlight_label_->setPadding(QMargins(4, 2, 4, 2));
    highlight_label_->setBrush(QColor(255, 255, 255, 220));
    highlight_label_->setPen(QPen(QColor(60, 60, 60)));
    highlight_label_->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
  }
  highlight_.clear();
  highlight_label_->setVisible(false);
  selection_marker_ = plot_->addGraph();
  selection_marker_->setLineStyle(QCPGraph::lsNone);
  selection_marker_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2.5), Qt::NoBrush, 18));
  selection_marker_->removeFromLegend();
  plot_->replot(QCustomPlot::rpQueuedReplot);  // coalesces with the next frame's
}

// One neutral legend entry per kind of point present besides checkpoints (tasks are told by colour), and one for
// the checkpoints of `unnamed` tasks the legend does not list.
void TrajectoryView::add_kind_legend(const TrajectoryScene& scene, int unnamed) {
  const QColor neutral(110, 110, 110);
  if (unnamed > 0) {
    auto* entry = plot_->addGraph();
    entry->setLineStyle(QCPGraph::lsNone);
    entry->setScatterStyle(marker(PointKind::Checkpoint, neutral));
    entry->setName(tr("checkpoints of %1 other tasks").arg(unnamed));
  }
  for (const PointKind kind : {PointKind::Soup, PointKind::SampleStep, PointKind::Generated, PointKind::Walk, PointKind::Interpolated}) {
    const bool present = std::any_of(scene.points.begin(), scene.points.end(), [&](const ScenePoint& p) { return p.kind == kind; });
    if (!present) continue;
    auto* entry = plot_->addGraph();
    entry->setLineStyle(kind == PointKind::SampleStep ? QCPGraph::lsLine : QCPGraph::lsNone);
    entry->setPen(QPen(neutral, 1.4));
    entry->setScatterStyle(marker(kind, neutral));
    entry->setName(kind == PointKind::SampleStep ? tr("sampling path (noise → adapter)") : kind_name(kind));
  }
}

void TrajectoryView::set_positions(const ScenePositions& positions) {
  positions_ = positions;
  refresh_layers();
  update_selection_marker();
  update_highlight();
  if (follow_) {
    plot_->rescaleAxes();
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
      const QCPRange r = axis->range();
      const double pad = std::max(r.size() * 0.06, 1e-6);
      axis->setRange(r.lower - pad, r.upper + pad);
    }
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::refresh_layers() {
  for (const Layer& layer : layers_) {
    QVector<double> keys, values;
    for (int index : layer.points) {
      if (!has_position(index)) continue;
      const QPointF p = position(index);
      keys << p.x();
      values << p.y();
    }
    if (auto* graph = qobject_cast<QCPGraph*>(layer.plottable)) {
      graph->setData(keys, values);
    } else if (auto* curve = qobject_cast<QCPCurve*>(layer.plottable)) {
      curve->setData(keys, values);
    }
  }
}

int TrajectoryView::shown_points() const {
  return positions_ ? std::min<int>(scene_.points.size(), static_cast<int>(positions_->size() / 2)) : 0;
}

bool TrajectoryView::has_position(int index) const { return index >= 0 && index < shown_points(); }

QPointF TrajectoryView::position(int index) const {
  return {(*positions_)[2 * index], (*positions_)[2 * index + 1]};
}

QPointF TrajectoryView::pixel_of(int index) const {
  if (!has_position(index)) return {};
  const QPointF p = position(index);
  return {plot_->xAxis->coordToPixel(p.x()), plot_->yAxis->coordToPixel(p.y())};
}

int TrajectoryView::point_at(const QPointF& pixel, double radius) const {
  int best = -1;
  double best_d2 = radius * radius;
  for (int i = 0; i < shown_points(); ++i) {
    if (!kind_visible(scene_.points[i].kind)) continue;
    const QPointF d = pixel_of(i) - pixel;
    const double d2 = d.x() * d.x() + d.y() * d.y();
    if (d2 <= best_d2) {
      best_d2 = d2;
      best = i;
    }
  }
  return best;
}

QString TrajectoryView::describe_point(int index) const {
  if (index < 0 || index >= scene_.points.size()) return {};
  const ScenePoint& p = scene_.points[index];
  QStringList lines;
  if (!p.label.isEmpty()) lines << QStringLiteral("<b>%1</b>").arg(p.label.toHtmlEscaped());
  const QString task = p.group >= 0 && p.group < scene_.groups.size() ? scene_.groups[p.group].name : QString();
  lines << tr("%1 · task %2").arg(kind_name(p.kind), task.toHtmlEscaped());
  if (p.kind == PointKind::SampleStep) lines << tr("sample %1, step %2").arg(p.sample).arg(p.step);
  if (p.kind == PointKind::Generated) lines << tr("sample %1").arg(p.sample);
  if (std::isfinite(p.metric))
    lines << QStringLiteral("%1 %2").arg(p.metric_name.isEmpty() ? tr("score") : p.metric_name.toHtmlEscaped())
                 .arg(p.metric, 0, 'f', 3);
  return lines.join(QStringLiteral("<br>"));
}

void TrajectoryView::select_point(int index) {
  selected_ = has_position(index) ? index : -1;
  update_selection_marker();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::update_selection_marker() {
  if (!selection_marker_) return;
  if (has_position(selected_)) {
    const QPointF p = position(selected_);
    selection_marker_->setData({p.x()}, {p.y()});
  } else {
    selection_marker_->data()->clear();
  }
}

void TrajectoryView::set_highlight(const QVector<int>& points, const QString& label) {
  highlight_ = points;
  highlight_text_ = label;
  update_highlight();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrajectoryView::update_highlight() {
  if (!highlight_marker_) return;
  QVector<double> keys, values;
  double top = 0, mean_x = 0;
  for (int index : highlight_) {
    if (!has_position(index)) continue;
    const QPointF p = position(index);
    keys << p.x();
    values << p.y();
    mean_x += p.x();
    top = keys.size() == 1 ? p.y() : std::max(top, p.y());
  }
  highlight_marker_->setData(keys, values);
  highlight_label_->setVisible(!keys.isEmpty() && !highlight_text_.isEmpty());
  if (keys.isEmpty()) return;
  highlight_label_->setText(highlight_text_);
  highlight_label_->position->setCoords(mean_x / keys.size(), top);
}

void TrajectoryView::on_mouse_move(QMouseEvent* event) {
  if (event->buttons() != Qt::NoButton) follow_ = false;  // panning
  const int index = point_at(event->position());
  if (index >= 0) QToolTip::showText(event->globalPosition().toPoint(), describe_point(index), plot_);
  else QToolTip::hideText();
}

void TrajectoryView::on_mouse_press(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const int index = point_at(event->position());
  if (index < 0) return;  // a press on empty space starts a pan
  select_point(index);
  Q_EMIT point_selected(index);
}

void TrajectoryView::fit() {
  follow_ = true;
  set_positions(positions_);
}

bool TrajectoryView::export_png(const QString& path, int width, int height) {
  return plot_->savePng(path, width, height);
}

bool TrajectoryView::export_svg(const QString& path) const {
  const std::vector<float> empty;
  const QString svg = trajectory_svg(scene_, positions_ ? *positions_ : empty, 900, 700);
  QFile file(path + QStringLiteral(".part"));
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  const QByteArray bytes = svg.toUtf8();
  const bool written = file.write(bytes) == bytes.size();
  file.close();
  if (!written) return false;
  QFile::remove(path);
  return QFile::rename(path + QStringLiteral(".part"), path);
}

}  // namespace lorastudio::widgets
