#pragma once
// A zoo task's checkpoints as adapters, their exact ΔW soup, and the checkpoint with the best value of a metric —
// what every evaluation (style world, GLUE) and the demo writer ask of a task.
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"
#include "core/zoo/zoo.h"

namespace lorastudio {

// Every checkpoint of `task`, unflattened with the zoo's layout (float32, CPU).
std::vector<LoraAdapter> task_adapters(const Zoo& zoo, const std::string& task);
// The exact mean ΔW of the task's checkpoints: one adapter of the stacked rank (no truncation).
LoraAdapter task_soup(const Zoo& zoo, const std::string& task);
// The row whose metric `column` is highest (NaN ranks last), or -1 when the task has no such column.
int64_t best_checkpoint_row(const Zoo& zoo, const std::string& task, const std::string& column);

}  // namespace lorastudio
