#include "widgets/loss_plot.h"

#include <cmath>
#include <limits>


#include "widgets/plot_setup.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/trajectory_scene.h"

namespace lorastudio::widgets {

LossPlot::LossPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  fill_with_plot(this, plot_);
  plot_->setMinimumHeight(160);
  plot_->xAxis->setLabel(tr("step"));
  plot_->yAxis->setLabel(tr("loss"));
  use_log_scale(plot_->yAxis, true);
  plot_->legend->setVisible(true);
  plot_->legend->setFont(font());
  plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  clear();
}

QCPGraph* LossPlot::graph_of(const QString& stage) {
  const int index = stages_.indexOf(stage);
  if (index >= 0) return plot_->graph(index);
  stages_ << stage;
  auto* graph = plot_->addGraph();
  graph->setName(tr("%1 loss").arg(stage));
  graph->setPen(QPen(group_color(static_cast<int>(stages_.size()) - 1), 1.6));
  return graph;
}

void LossPlot::add_point(const QString& stage, double step, double loss, double offset) {
  if (!std::isfinite(loss) || loss <= 0) return;  // a log axis has no place for it
  graph_of(stage)->addData(offset + step, loss);
  const bool first = y_max_ <= 0;
  y_min_ = first ? loss : std::min(y_min_, loss);
  y_max_ = first ? loss : std::max(y_max_, loss);
  x_max_ = std::max(x_max_, offset + step);
  plot_->xAxis->setRange(0, std::max(1.0, x_max_ * 1.02));
  plot_->yAxis->setRange(y_min_ / 1.5, y_max_ * 1.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::clear() {
  plot_->clearGraphs();
  stages_.clear();
  y_min_ = y_max_ = x_max_ = 0;
  plot_->xAxis->setRange(0, 1);
  plot_->yAxis->setRange(1e-3, 1);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int LossPlot::point_count(const QString& stage) const {
  const int index = stages_.indexOf(stage);
  return index < 0 ? 0 : plot_->graph(index)->dataCount();
}

double LossPlot::last_loss(const QString& stage) const {
  const int index = stages_.indexOf(stage);
  if (index < 0 || plot_->graph(index)->dataCount() == 0) return std::numeric_limits<double>::quiet_NaN();
  return (plot_->graph(index)->data()->constEnd() - 1)->value;
}

}  // namespace lorastudio::widgets
