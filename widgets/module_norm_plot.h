#pragma once
// Bar chart of a per-module quantity (QCustomPlot), in module order: ||ΔW|| by default.
#include <QWidget>

#include "widgets/module_row.h"

class QCustomPlot;

namespace lorastudio::widgets {

class ModuleNormPlot : public QWidget {
  Q_OBJECT
 public:
  explicit ModuleNormPlot(QWidget* parent = nullptr);
  void set_modules(const QVector<ModuleRow>& rows);  // ‖ΔW‖_F per module
  // Any per-module quantity (cosine between two adapters, …); y from y_min to the largest value (or y_max).
  void set_bars(const QVector<double>& values, const QString& y_label, double y_min = 0, double y_max = 0);
  int bar_count() const;

 private:
  QCustomPlot* plot_;
};

}  // namespace lorastudio::widgets
