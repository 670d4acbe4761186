#include "app/gui/module_rows.h"

#include <QString>

#include <torch/torch.h>

#include "core/lora/lora_adapter.h"
#include "core/math/lora_stats.h"

namespace lorastudio::gui {

QVector<widgets::ModuleRow> module_rows(const LoraAdapter& adapter, int singular_values) {
  torch::NoGradGuard no_grad;  // thread-local: the caller's thread
  const auto stats = adapter_stats(adapter, singular_values);
  QVector<widgets::ModuleRow> rows;
  for (size_t i = 0; i < adapter.modules.size(); ++i) {
    const auto& m = adapter.modules[i];
    widgets::ModuleRow row;
    row.name = QString::fromStdString(module_key(m));
    row.rank = static_cast<int>(m.rank());
    row.alpha = m.alpha;
    row.in_features = static_cast<int>(m.in_channels());
    for (int64_t k : m.kernel_size) row.kernel += (row.kernel.isEmpty() ? QString() : QStringLiteral("×")) + QString::number(k);
    row.out_features = static_cast<int>(m.out_features());
    row.delta_norm = stats[i].frobenius;
    for (double v : stats[i].singular_values) row.singular_values << v;
    row.effective_rank = stats[i].effective_rank;
    rows << row;
  }
  return rows;
}

}  // namespace lorastudio::gui
