#include "core/generator/condition_walk.h"

#include "core/generator/conditional_generator.h"
#include "core/generator/latent_atlas.h"
#include "core/util/error.h"

namespace lorastudio {
double path_largest_step(const torch::Tensor& path) {
  if (path.size(0) < 2) return 0;
  const double span = (path[-1] - path[0]).norm().item<double>();
  if (span <= 0) return 0;
  return (path.slice(0, 1) - path.slice(0, 0, -1)).norm(2, 1).max().item<double>() / span;
}

ConditionWalk condition_walk(ConditionalGenerator& g, const ConditionInput& from, const ConditionInput& to,
                             const ConditionWalkOptions& o, const std::function<bool(int, int)>& progress) {
  if (o.points < 2) throw Error("condition walk: at least 2 points");
  ConditionWalk walk;
  std::vector<torch::Tensor> params;
  const auto target = std::make_shared<const ConditionInput>(to);
  for (int i = 0; i < o.points; ++i) {
    const double w = static_cast<double>(i) / (o.points - 1);
    ConditionInput c = from;
    c.towards = target;
    c.towards_weight = w;
    GeneratedAdapters out = generate_adapters(g, c, o.generation);
    if (out.cancelled) {
      walk.cancelled = true;
      return walk;
    }
    walk.weights.push_back(w);
    params.push_back(out.params.to(torch::kCPU, torch::kFloat32).clone());
    for (auto& a : out.adapters) walk.adapters.push_back(std::move(a));
    if (progress && !progress(i + 1, o.points)) {
      walk.cancelled = true;
      return walk;
    }
  }
  const int64_t count = o.generation.count;
  walk.params = torch::cat(params);
  walk.latents = atlas_latents(g, "", walk.params);  // blends decode with the global statistics: so are they placed
  const auto firsts = walk.latents.index({torch::indexing::Slice(torch::indexing::None, torch::indexing::None, count)});
  walk.largest_step = path_largest_step(firsts);
  const auto ends = torch::stack({params.front()[0], params.back()[0]});
  if (shares_a_factors(g.layout, ends)) {  // then (1−t)·x₀ + t·x₁ is exactly (1−t)·ΔW₀ + t·ΔW₁
    const auto t = torch::tensor(walk.weights, torch::kFloat64).unsqueeze(1);
    walk.interpolation_params = (ends[0].to(torch::kFloat64) * (1 - t) + ends[1].to(torch::kFloat64) * t).to(torch::kFloat32);
    walk.interpolation_latents = atlas_latents(g, "", walk.interpolation_params);
    walk.interpolation_largest_step = path_largest_step(walk.interpolation_latents);
  }
  return walk;
}

}  // namespace lorastudio
