#include "widgets/spectrum_plot.h"

#include <algorithm>


#include "widgets/plot_setup.h"
#include "widgets/qcustomplot_include.h"

namespace lorastudio::widgets {

SpectrumPlot::SpectrumPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  fill_with_plot(this, plot_);
  plot_->setMinimumHeight(140);
  plot_->xAxis->setLabel(tr("singular value index"));
  plot_->yAxis->setLabel(tr("σ of ΔW"));
  use_log_scale(plot_->yAxis);
  plot_->legend->setVisible(false);
  plot_->legend->setFont(font());
}

void SpectrumPlot::set_modules(const QVector<ModuleRow>& rows) {
  rows_ = rows;
  highlighted_ = -1;
  plot_->clearGraphs();
  double low = 0, high = 0;
  int longest = 1;
  for (const auto& r : rows_) {
    auto* graph = plot_->addGraph();
    graph->setName(r.name);
    for (int i = 0; i < r.singular_values.size(); ++i) {
      const double s = r.singular_values[i];
      if (!(s > 0)) continue;  // a log axis has no place for 0
      graph->addData(i + 1, s);
      low = low > 0 ? std::min(low, s) : s;
      high = std::max(high, s);
    }
    longest = std::max(longest, static_cast<int>(r.singular_values.size()));
  }
  plot_->xAxis->setRange(0.5, longest + 0.5);
  plot_->yAxis->setRange(low > 0 ? low / 1.5 : 1e-3, high > 0 ? high * 1.5 : 1.0);
  restyle();
}

void SpectrumPlot::highlight(int module) {
  highlighted_ = module >= 0 && module < rows_.size() ? module : -1;
  restyle();
}

void SpectrumPlot::highlight_name(const QString& name) {
  int found = -1;
  for (int i = 0; i < rows_.size() && found < 0; ++i)
    if (rows_[i].name == name) found = i;
  highlight(found);
}

void SpectrumPlot::restyle() {
  for (int g = 0; g < plot_->graphCount(); ++g) {
    const bool bold = g == highlighted_;
    plot_->graph(g)->setPen(bold ? QPen(QColor(200, 60, 40), 2.4) : QPen(QColor(70, 110, 170, highlighted_ < 0 ? 170 : 70), 1.2));
    plot_->graph(g)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, bold ? 6 : 4));
  }
  if (highlighted_ >= 0) {  // drawn last, on top, and named in the legend
    plot_->graph(highlighted_)->setLayer(QStringLiteral("main"));
    plot_->legend->clearItems();
    plot_->legend->addItem(new QCPPlottableLegendItem(plot_->legend, plot_->graph(highlighted_)));
  }
  plot_->legend->setVisible(highlighted_ >= 0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int SpectrumPlot::line_count() const { return plot_->graphCount(); }

}  // namespace lorastudio::widgets
