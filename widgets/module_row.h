#pragma once
// One adapter module as the widgets show it (plain data, no LibTorch).
#include <QString>
#include <QVector>

namespace lorastudio::widgets {

struct ModuleRow {
  QString name;
  int rank = 0;
  double alpha = 0;
  int in_features = 0;
  QString kernel;  // conv LoRA: "3×3"; empty for a linear module
  int out_features = 0;
  double delta_norm = 0;         // ||ΔW||_F
  QVector<double> singular_values;
  double effective_rank = 0;
};

}  // namespace lorastudio::widgets
