#include "core/generator/memorization_report.h"

#include <algorithm>

#include "core/math/lora_stats.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace lorastudio {
namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

TaskSpread task_spread(const torch::Tensor& checkpoints) {
  TaskSpread s;
  const int64_t n = checkpoints.size(0);
  if (n < 2) return s;
  torch::Tensor d = torch::cdist(checkpoints.to(torch::kDouble).unsqueeze(0), checkpoints.to(torch::kDouble).unsqueeze(0)).squeeze(0);
  d.fill_diagonal_(std::numeric_limits<double>::infinity());
  torch::Tensor nearest = std::get<0>(d.min(1));
  std::vector<double> v(nearest.data_ptr<double>(), nearest.data_ptr<double>() + n);
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  s.median = median_of(v);
  return s;
}

MemorizationReport memorization_report(const Zoo& zoo, const std::string& task, const torch::Tensor& generated,
                                       bool module_cosines) {
  if (!zoo.has_task(task)) throw Error("memorisation report: the zoo has no task \"" + task + "\"");
  MemorizationReport r;
  r.task = task;
  const torch::Tensor own = zoo.task_params(task).to(torch::kDouble);
  if (generated.dim() != 2 || generated.size(1) != own.size(1))
    throw Error("memorisation report: generated parameters have the wrong size for the zoo's layout");
  r.spread = task_spread(own);
  const torch::Tensor g = generated.to(torch::kDouble);
  const int64_t n = g.size(0);
  r.candidates.resize(static_cast<size_t>(n));
  for (auto& c : r.candidates) c.nearest_any = std::numeric_limits<double>::infinity();
  for (const auto& name : zoo.tasks()) {
    const torch::Tensor rows = name == task ? own : zoo.task_params(name).to(torch::kDouble);
    const torch::Tensor d = torch::cdist(g.unsqueeze(0), rows.unsqueeze(0)).squeeze(0);  // [n, N]
    auto [dist, idx] = d.min(1);
    for (int64_t i = 0; i < n; ++i) {
      auto& c = r.candidates[static_cast<size_t>(i)];
      const double v = dist[i].item<double>();
      if (name == task) {
        c.nearest_own = v;
        c.nearest_index = idx[i].item<int64_t>();
      }
      if (v < c.nearest_any) {
        c.nearest_any = v;
        c.nearest_task = name;
      }
    }
  }
  const ZooLayout& layout = zoo.layout();
  int64_t own_hits = 0;
  for (int64_t i = 0; i < n; ++i) {
    auto& c = r.candidates[static_cast<size_t>(i)];
    c.relative_to_spread = r.spread.median > 0 ? c.nearest_own / r.spread.median : 0;
    c.is_copy = c.nearest_own < 0.5 * r.spread.min;
    own_hits += c.nearest_task == task;
    r.copies += c.is_copy;
    if (module_cosines) {
      const AdapterComparison cmp = compare_adapters(layout.unflatten(generated[i].to(torch::kFloat)),
                                                     layout.unflatten(own[c.nearest_index].to(torch::kFloat)));
      c.mean_module_cosine = cmp.mean_cosine;
      c.min_module_cosine = 1;
      for (const auto& m : cmp.modules) c.min_module_cosine = std::min(c.min_module_cosine, m.cosine);
    }
  }
  r.own_task_fraction = n ? static_cast<double>(own_hits) / static_cast<double>(n) : 0;
  return r;
}

}  // namespace lorastudio
