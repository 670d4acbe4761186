#pragma once
// An adapter's modules as the widgets show them (plain data): shapes, ||ΔW||, singular values.
#include <QVector>

#include "widgets/module_row.h"

namespace lorastudio {
struct LoraAdapter;
}

namespace lorastudio::gui {

// Call off the GUI thread for large adapters (an SVD per module).
QVector<widgets::ModuleRow> module_rows(const LoraAdapter& adapter, int singular_values = 4);

}  // namespace lorastudio::gui
