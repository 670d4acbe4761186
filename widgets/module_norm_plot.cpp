#include "widgets/module_norm_plot.h"

#include "widgets/plot_setup.h"
#include "widgets/qcustomplot_include.h"

namespace lorastudio::widgets {

ModuleNormPlot::ModuleNormPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  fill_with_plot(this, plot_);
  plot_->xAxis->setLabel(tr("module index"));
  plot_->yAxis->setLabel(tr("‖ΔW‖_F"));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setMinimumHeight(160);
}

void ModuleNormPlot::set_modules(const QVector<ModuleRow>& rows) {
  QVector<double> norms;
  for (const auto& r : rows) norms << r.delta_norm;
  set_bars(norms, tr("‖ΔW‖_F"));
}

void ModuleNormPlot::set_bars(const QVector<double>& values, const QString& y_label, double y_min, double y_max) {
  plot_->clearPlottables();
  auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
  QVector<double> x;
  double top = y_min;
  for (int i = 0; i < values.size(); ++i) {
    x << i;
    top = std::max(top, values[i]);
  }
  if (y_max > y_min) top = y_max;
  bars->setData(x, values, true);
  bars->setWidth(0.8);
  plot_->yAxis->setLabel(y_label);
  plot_->xAxis->setRange(-1, std::max(1, int(values.size())));
  plot_->yAxis->setRange(y_min, top > y_min ? top * (y_max > y_min ? 1.0 : 1.1) : y_min + 1.0);
  plot_->replot(QCustomPlot::rpQueuedReplot);  // coalesces; the GUI thread does not draw it twice
}

int ModuleNormPlot::bar_count() const {
  if (plot_->plottableCount() == 0) return 0;
  auto* bars = qobject_cast<QCPBars*>(plot_->plottable(0));
  return bars ? bars->data()->size() : 0;
}

}  // namespace lorastudio::widgets
