#include "core/generator/held_out_report.h"

#include <limits>
#include <map>

#include <torch/torch.h>

#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace lorastudio {

HeldOutReport held_out_report(const Zoo& zoo, const torch::Tensor& hidden, const torch::Tensor& generated, ReportSpace space) {
  if (hidden.dim() != 2 || generated.dim() != 2 || hidden.size(1) != zoo.dim() || generated.size(1) != zoo.dim())
    throw Error("held-out report: hidden and generated parameters must be [N, D] in the zoo's layout");
  const torch::Tensor g = generated.to(torch::kDouble);
  const RowDistances distances = row_distances(space, zoo.layout());
  auto nearest = [&](const torch::Tensor& rows) { return std::get<0>(distances(g, rows).min(1)); };
  const torch::Tensor to_hidden = nearest(hidden);
  torch::Tensor to_training = torch::full({g.size(0)}, std::numeric_limits<double>::infinity(), torch::kDouble);
  std::vector<std::string> nearest_task(static_cast<size_t>(g.size(0)));
  for (const auto& name : zoo.tasks()) {
    const torch::Tensor d = nearest(zoo.task_params(name));
    for (int64_t i = 0; i < g.size(0); ++i)
      if (d[i].item<double>() < to_training[i].item<double>()) to_training[i] = d[i], nearest_task[size_t(i)] = name;
  }
  HeldOutReport r;
  r.to_hidden = to_hidden.mean().item<double>();
  r.to_training = to_training.mean().item<double>();
  r.ratio = r.to_training > 0 ? r.to_hidden / r.to_training : 0;
  r.closer_to_hidden = (to_hidden < to_training).to(torch::kDouble).mean().item<double>();
  std::map<std::string, int> votes;
  for (const auto& t : nearest_task) ++votes[t];
  int best = 0;
  for (const auto& [t, v] : votes)
    if (v > best) best = v, r.nearest_training_task = t;
  r.hidden_spread = task_spread(hidden, distances).median;
  return r;
}

}  // namespace lorastudio
