#include "widgets/module_norm_plot.h"

#include <QVBoxLayout>
#include "widgets/qcustomplot_include.h"

namespace lorastudio::widgets {

ModuleNormPlot::ModuleNormPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->xAxis->setLabel(tr("module index"));
  plot_->yAxis->setLabel(tr("‖ΔW‖_F"));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setMinimumHeight(160);
}

void ModuleNormPlot::set_modules(const QVector<ModuleRow>& rows) {
  plot_->clearPlottables();
  auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
  QVector<double> x, y;
  double top = 0;
  for (int i = 0; i < rows.size(); ++i) {
    x << i;
    y << rows[i].delta_norm;
    top = std::max(top, rows[i].delta_norm);
  }
  bars->setData(x, y, true);
  bars->setWidth(0.8);
  plot_->xAxis->setRange(-1, std::max(1, int(rows.size())));
  plot_->yAxis->setRange(0, top > 0 ? top * 1.1 : 1.0);
  plot_->replot();
}

int ModuleNormPlot::bar_count() const {
  if (plot_->plottableCount() == 0) return 0;
  auto* bars = qobject_cast<QCPBars*>(plot_->plottable(0));
  return bars ? bars->data()->size() : 0;
}

}  // namespace lorastudio::widgets
