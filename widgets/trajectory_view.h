#pragma once
// The trajectory view: training checkpoints coloured by task, ΔW soups, and each generated sample's path
// from noise to its final point, growing frame by frame while sampling and embedding run. Hover shows what a
// point is, click selects it; wheel zooms, drag pans, double-click fits; export as PNG or SVG.
#include <QSet>
#include <QVector>
#include <QWidget>

#include "widgets/trajectory_scene.h"

class QCustomPlot;
class QCPGraph;
class QCPCurve;
class QCPAbstractPlottable;
class QCPTextElement;
class QCPItemText;
class QMouseEvent;

namespace lorastudio::widgets {

class TrajectoryView : public QWidget {
  Q_OBJECT
 public:
  explicit TrajectoryView(QWidget* parent = nullptr);

  // A new scene (points may still be arriving): builds the layers, keeps no positions.
  void set_scene(const TrajectoryScene& scene);
  // Positions of the scene's first N points (N <= scene size); called for every frame.
  void set_positions(const ScenePositions& positions);

  const TrajectoryScene& scene() const { return scene_; }
  int shown_points() const;                      // points with a position
  int selected_point() const { return selected_; }
  void select_point(int index);                  // -1 clears
  int point_at(const QPointF& pixel, double radius = 10) const;  // nearest shown point within radius, or -1
  QString describe_point(int index) const;       // the hover text
  QPointF pixel_of(int index) const;             // where a shown point is drawn
  void fit();                                    // axes around every shown point; follows new frames again
  // Rings these points (e.g. the checkpoints of the task being generated for) and names them at their centre.
  void set_highlight(const QVector<int>& points, const QString& label);
  const QVector<int>& highlighted_points() const { return highlight_; }

  // Layers the user can switch off (checkpoints, soups, sampling paths, generated adapters); kept across scenes.
  void set_kind_visible(PointKind kind, bool visible);
  bool kind_visible(PointKind kind) const { return !hidden_kinds_.contains(static_cast<int>(kind)); }
  void set_axis_labels(const QString& x, const QString& y);
  // A score for a point's hover text, without rebuilding the layers.
  void set_point_metric(int index, double value, const QString& name);
  void set_title(const QString& title);  // what the positions embed (the scene's space until set)

  bool export_png(const QString& path, int width = 0, int height = 0);
  bool export_svg(const QString& path) const;    // the points and paths, drawn as vector shapes

 Q_SIGNALS:
  void point_selected(int index);  // a click on a point (-1: on empty space)

 private:
  struct Layer {
    QCPAbstractPlottable* plottable = nullptr;
    PointKind kind = PointKind::Checkpoint;
    QVector<int> points;  // scene indices it draws, in order
  };
  void add_layer(QCPAbstractPlottable* plottable, PointKind kind, QVector<int> points);
  void add_kind_legend(const TrajectoryScene& scene, int unnamed);
  void on_mouse_move(QMouseEvent* event);
  void on_mouse_press(QMouseEvent* event);
  void refresh_layers();
  void update_selection_marker();
  void update_highlight();
  bool has_position(int index) const;
  QPointF position(int index) const;

  QCustomPlot* plot_;
  QCPTextElement* title_ = nullptr;
  QCPGraph* selection_marker_ = nullptr;
  QCPGraph* highlight_marker_ = nullptr;
  QCPItemText* highlight_label_ = nullptr;
  QVector<int> highlight_;
  QString highlight_text_;
  TrajectoryScene scene_;
  ScenePositions positions_;
  QVector<Layer> layers_;
  QSet<int> hidden_kinds_;
  int selected_ = -1;
  bool follow_ = true;  // rescale to the data each frame until the user zooms or pans
};

}  // namespace lorastudio::widgets
