#pragma once
// Bar chart of ||ΔW|| per module (QCustomPlot), in module order.
#include <QWidget>

#include "widgets/module_row.h"

class QCustomPlot;

namespace lorastudio::widgets {

class ModuleNormPlot : public QWidget {
  Q_OBJECT
 public:
  explicit ModuleNormPlot(QWidget* parent = nullptr);
  void set_modules(const QVector<ModuleRow>& rows);
  int bar_count() const;

 private:
  QCustomPlot* plot_;
};

}  // namespace lorastudio::widgets
