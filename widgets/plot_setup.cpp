#include "widgets/plot_setup.h"

#include <QVBoxLayout>

#include "widgets/qcustomplot_include.h"

namespace lorastudio::widgets {

QCustomPlot* fill_with_plot(QWidget* host, QCustomPlot* plot) {
  auto* layout = new QVBoxLayout(host);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot);
  return plot;
}

void use_log_scale(QCPAxis* axis, bool powers_only) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  if (!powers_only) return;
  axis->setNumberFormat(QStringLiteral("eb"));
  axis->setNumberPrecision(0);
}

}  // namespace lorastudio::widgets
