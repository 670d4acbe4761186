#pragma once
// Live training loss curves (QCustomPlot): one curve per stage ("autoencoder", then "diffusion"), each against
// the run's overall step (the second stage continues where the first ended), on a logarithmic loss axis.
// Points arrive a few at a time while training runs; the plot redraws at most once per event loop pass.
#include <QString>
#include <QStringList>
#include <QWidget>

class QCustomPlot;
class QCPGraph;

namespace lorastudio::widgets {

class LossPlot : public QWidget {
  Q_OBJECT
 public:
  explicit LossPlot(QWidget* parent = nullptr);
  // `stage` starts a new curve the first time it is seen; `offset` is where its steps begin on the x axis.
  void add_point(const QString& stage, double step, double loss, double offset = 0);
  void clear();
  int point_count(const QString& stage) const;
  QStringList stages() const { return stages_; }
  double last_loss(const QString& stage) const;  // NaN before its first point

 private:
  QCPGraph* graph_of(const QString& stage);
  QCustomPlot* plot_;
  QStringList stages_;
  double y_min_ = 0, y_max_ = 0, x_max_ = 0;
};

}  // namespace lorastudio::widgets
