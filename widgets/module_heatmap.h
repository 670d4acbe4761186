#pragma once
// ‖ΔW‖ per module as a heatmap of layer × module type (QCustomPlot colour map): "transformer_blocks.3.attn1.to_q"
// is layer "transformer_blocks.3", type "attn1.to_q". A module path is split after its last numeric component;
// one without a number is a top-level layer of its own type. Cells no module fills stay blank.
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "widgets/module_row.h"

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;

namespace lorastudio::widgets {

struct ModuleGrid {
  QStringList layers, types;  // rows (in order of first appearance) and columns (likewise)
  QVector<double> values;     // [layers × types], row-major; NaN where no module is
  double at(int layer, int type) const { return values[layer * types.size() + type]; }
};

// The split of one path: {layer, type}. The layer's common prefix over a whole grid is left to make_module_grid.
QPair<QString, QString> split_module_path(const QString& path);
// The grid of `value(row)` over `rows`; layer names lose the prefix every layer shares ("base_model.model.").
ModuleGrid make_module_grid(const QVector<ModuleRow>& rows);

class ModuleHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit ModuleHeatmap(QWidget* parent = nullptr);
  void set_modules(const QVector<ModuleRow>& rows);  // ‖ΔW‖_F per cell
  const ModuleGrid& grid() const { return grid_; }

 private:
  QCustomPlot* plot_;
  QCPColorMap* map_ = nullptr;
  QCPColorScale* scale_ = nullptr;
  ModuleGrid grid_;
};

}  // namespace lorastudio::widgets
