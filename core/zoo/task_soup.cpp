#include "core/zoo/task_soup.h"

#include <algorithm>
#include <cmath>

#include "core/math/lora_mixing.h"

namespace lorastudio {

std::vector<LoraAdapter> task_adapters(const Zoo& zoo, const std::string& task) {
  const torch::Tensor params = zoo.task_params(task);
  std::vector<LoraAdapter> out;
  for (int64_t i = 0; i < params.size(0); ++i) out.push_back(zoo.layout().unflatten(params[i]));
  return out;
}

LoraAdapter task_soup(const Zoo& zoo, const std::string& task) {
  const std::vector<LoraAdapter> all = task_adapters(zoo, task);
  std::vector<const LoraAdapter*> pointers;
  for (const auto& a : all) pointers.push_back(&a);
  return delta_soup(pointers, 0).adapter;  // rank 0: the exact stacked mean ΔW
}

int64_t best_checkpoint_row(const Zoo& zoo, const std::string& task, const std::string& column) {
  const auto& names = zoo.task(task).metric_names;
  const auto it = std::find(names.begin(), names.end(), column);
  if (it == names.end()) return -1;
  return zoo.task_metrics(task).select(1, it - names.begin()).nan_to_num(-INFINITY).argmax().item<int64_t>();
}

}  // namespace lorastudio
