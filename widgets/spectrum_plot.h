#pragma once
// Singular-value spectra of ΔW per module (QCustomPlot): σ_i against i on a logarithmic axis, one line per
// module, the highlighted module drawn bold and named. How fast a spectrum falls tells how much of a module's
// rank its update really uses (the module table's effective rank, as a picture).
#include <QVector>
#include <QWidget>

#include "widgets/module_row.h"

class QCustomPlot;

namespace lorastudio::widgets {

class SpectrumPlot : public QWidget {
  Q_OBJECT
 public:
  explicit SpectrumPlot(QWidget* parent = nullptr);
  void set_modules(const QVector<ModuleRow>& rows);
  void highlight(int module);  // -1: none
  void highlight_name(const QString& name);  // the module of that name, else none
  int line_count() const;
  int highlighted() const { return highlighted_; }

 private:
  void restyle();
  QCustomPlot* plot_;
  QVector<ModuleRow> rows_;
  int highlighted_ = -1;
};

}  // namespace lorastudio::widgets
