#pragma once
// A sortable table of an adapter's modules: name, rank, alpha, shape, ||ΔW||, σ1, effective rank.
#include <QTableWidget>

#include "widgets/module_row.h"

namespace lorastudio::widgets {

class ModuleTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit ModuleTable(QWidget* parent = nullptr);
  void set_modules(const QVector<ModuleRow>& rows);
  void clear_modules();

 Q_SIGNALS:
  void module_selected(const QString& name);
};

}  // namespace lorastudio::widgets
