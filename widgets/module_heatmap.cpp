#include "widgets/module_heatmap.h"

#include <cmath>
#include <limits>


#include "widgets/plot_setup.h"
#include "widgets/qcustomplot_include.h"

namespace lorastudio::widgets {

QPair<QString, QString> split_module_path(const QString& path) {
  const QStringList parts = path.split(QLatin1Char('.'));
  for (int i = static_cast<int>(parts.size()) - 1; i >= 0; --i) {
    bool number = false;
    parts[i].toInt(&number);
    if (!number) continue;
    const QString type = parts.mid(i + 1).join(QLatin1Char('.'));
    return {parts.mid(0, i + 1).join(QLatin1Char('.')), type.isEmpty() ? QStringLiteral("(module)") : type};
  }
  return {QStringLiteral("(top)"), path};
}

namespace {

// The length of the dotted components every name in `names` starts with, keeping at least each name's last two
// components ("layer.0", never "0").
int shared_prefix_length(const QStringList& names) {
  if (names.size() < 2) return 0;
  QStringList first = names.front().split(QLatin1Char('.'));
  int common = static_cast<int>(first.size()) - 2;
  for (const auto& name : names) {
    const QStringList parts = name.split(QLatin1Char('.'));
    int k = 0;
    while (k < common && k < parts.size() - 2 && parts[k] == first[k]) ++k;
    common = k;
  }
  return common > 0 ? static_cast<int>(first.mid(0, common).join(QLatin1Char('.')).size()) + 1 : 0;
}

}  // namespace

ModuleGrid make_module_grid(const QVector<ModuleRow>& rows) {
  ModuleGrid grid;
  QVector<QPair<QString, QString>> cells;
  for (const auto& r : rows) {
    cells << split_module_path(r.name);
    if (!grid.layers.contains(cells.back().first)) grid.layers << cells.back().first;
    if (!grid.types.contains(cells.back().second)) grid.types << cells.back().second;
  }
  grid.values.fill(std::numeric_limits<double>::quiet_NaN(), grid.layers.size() * grid.types.size());
  for (int i = 0; i < rows.size(); ++i)
    grid.values[grid.layers.indexOf(cells[i].first) * grid.types.size() + grid.types.indexOf(cells[i].second)] = rows[i].delta_norm;
  QStringList numbered;
  for (const auto& l : grid.layers)
    if (l != QStringLiteral("(top)")) numbered << l;
  const int cut = shared_prefix_length(numbered);
  for (auto& l : grid.layers)
    if (l != QStringLiteral("(top)")) l = l.mid(cut);
  return grid;
}

ModuleHeatmap::ModuleHeatmap(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  fill_with_plot(this, plot_);
  plot_->setMinimumHeight(140);
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  scale_ = new QCPColorScale(plot_);
  plot_->plotLayout()->addElement(0, 1, scale_);
  scale_->setType(QCPAxis::atRight);
  scale_->axis()->setLabel(tr("‖ΔW‖_F"));
  map_->setColorScale(scale_);
  QCPColorGradient gradient;  // viridis: sequential, readable in grey, kind to colour-blind eyes
  gradient.clearColorStops();
  gradient.setColorStopAt(0.0, QColor(68, 1, 84));
  gradient.setColorStopAt(0.25, QColor(59, 82, 139));
  gradient.setColorStopAt(0.5, QColor(33, 145, 140));
  gradient.setColorStopAt(0.75, QColor(94, 201, 98));
  gradient.setColorStopAt(1.0, QColor(253, 231, 37));
  gradient.setNanHandling(QCPColorGradient::nhTransparent);
  map_->setGradient(gradient);
  map_->setInterpolate(false);
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  plot_->xAxis->setTickLabelRotation(30);
  plot_->yAxis->setRangeReversed(true);  // the first layer on top
}

void ModuleHeatmap::set_modules(const QVector<ModuleRow>& rows) {
  grid_ = make_module_grid(rows);
  const int nx = std::max<int>(1, grid_.types.size()), ny = std::max<int>(1, grid_.layers.size());
  // A colour map of one cell along an axis has no cell width: such an axis gets two half cells of one value.
  const auto cells = [](int n) { return std::max(2, n); };
  const auto range = [](int n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, n - 1); };
  map_->data()->setSize(cells(nx), cells(ny));
  map_->data()->setRange(range(nx), range(ny));
  double top = 0;
  for (int y = 0; y < cells(ny); ++y)
    for (int x = 0; x < cells(nx); ++x) {
      const int gy = std::min(y, ny - 1), gx = std::min(x, nx - 1);
      const double v = gy < grid_.layers.size() && gx < grid_.types.size() ? grid_.at(gy, gx) : std::nan("");
      map_->data()->setCell(x, y, v);
      if (std::isfinite(v)) top = std::max(top, v);
    }
  map_->setDataRange(QCPRange(0, top > 0 ? top : 1));
  const auto ticks = [](const QStringList& names) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < names.size(); ++i) ticker->addTick(i, names[i]);
    return ticker;
  };
  plot_->xAxis->setTicker(ticks(grid_.types));
  plot_->yAxis->setTicker(ticks(grid_.layers));
  plot_->xAxis->setRange(-0.5, nx - 0.5);
  plot_->yAxis->setRange(-0.5, ny - 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace lorastudio::widgets
