#include "core/generator/memorization_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/math/lora_stats.h"
#include "core/util/error.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/zoo.h"

namespace lorastudio {
namespace {

constexpr double kNoiseLevels[] = {0.01, 0.03, 0.05, 0.1};
constexpr double kCopyNoiseLevel = 0.1;     // as close as a checkpoint plus 10% noise: a copy
constexpr double kCopySpreadFraction = 0.5; // closer than half the median within-task spread: a copy
constexpr int64_t kCoverageNeighbours = 5;

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}


// Per-coordinate standard deviation over every checkpoint of the zoo (float64 [D]); with a single checkpoint
// in the whole zoo, the RMS of its coordinates for every coordinate.
torch::Tensor zoo_coordinate_spread(const Zoo& zoo, std::string& description) {
  torch::Tensor sum, sum_sq;
  int64_t n = 0;
  for (const auto& name : zoo.tasks()) {
    const torch::Tensor rows = zoo.task_params(name).to(torch::kDouble);
    sum = sum.defined() ? sum + rows.sum(0) : rows.sum(0);
    sum_sq = sum_sq.defined() ? sum_sq + rows.square().sum(0) : rows.square().sum(0);
    n += rows.size(0);
  }
  if (n >= 2) {
    description = "per-coordinate standard deviation over the zoo's " + std::to_string(n) + " checkpoints";
    const torch::Tensor mean = sum / double(n);
    return (sum_sq / double(n) - mean.square()).clamp_min(0).mul(double(n) / double(n - 1)).sqrt();
  }
  description = "RMS of the only checkpoint's coordinates";
  return torch::full_like(sum, std::sqrt((sum_sq.sum() / double(sum.numel())).item<double>()));
}

std::vector<NoiseBaseline> noise_baselines(const torch::Tensor& own, const torch::Tensor& spread, const RowDistances& distances) {
  torch::Generator gen = torch::make_generator<at::CPUGeneratorImpl>(20240501);
  std::vector<NoiseBaseline> out;
  for (double level : kNoiseLevels) {
    const torch::Tensor noise = level * spread.unsqueeze(0) *
                                torch::randn(own.sizes(), gen, torch::TensorOptions().dtype(torch::kDouble));
    out.push_back({level, median_of(to_vector(distances(own + noise, own).diagonal()))});
  }
  return out;
}

// Nearest checkpoint of every candidate in every task; fills the nearest_* fields.
void find_nearest(const Zoo& zoo, const std::string& task, const torch::Tensor& g, const RowDistances& distances,
                  const std::function<torch::Tensor(const torch::Tensor&)>& norms_of, std::vector<CandidateMemorization>& cands) {
  for (auto& c : cands) c.nearest_any = std::numeric_limits<double>::infinity();
  for (const auto& name : zoo.tasks()) {
    const torch::Tensor rows = zoo.task_params(name).to(torch::kDouble);
    auto [dist, idx] = distances(g, rows).min(1);
    const torch::Tensor norms = norms_of(rows);
    for (size_t i = 0; i < cands.size(); ++i) {
      auto& c = cands[i];
      const double v = dist[int64_t(i)].item<double>();
      const int64_t j = idx[int64_t(i)].item<int64_t>();
      if (name == task) c.nearest_own = v, c.nearest_index = j;
      if (v < c.nearest_any) {
        c.nearest_any = v;
        c.nearest_task = name;
        c.nearest_any_index = j;
        const double norm = norms[j].item<double>();
        c.relative_distance = norm > 0 ? v / norm : 0;
      }
    }
  }
}

ReferenceScales reference_scales(const Zoo& zoo, const std::string& task, const torch::Tensor& own,
                                 const RowDistances& distances) {
  ReferenceScales s;
  s.within = task_spread(own, distances);
  std::vector<double> nearest_other(static_cast<size_t>(own.size(0)), std::numeric_limits<double>::infinity());
  double best_task = std::numeric_limits<double>::infinity();
  for (const auto& name : zoo.tasks()) {
    if (name == task) continue;
    const torch::Tensor d = std::get<0>(distances(own, zoo.task_params(name)).min(1));
    for (size_t i = 0; i < nearest_other.size(); ++i) nearest_other[i] = std::min(nearest_other[i], d[int64_t(i)].item<double>());
    const double closest = d.min().item<double>();
    if (closest < best_task) best_task = closest, s.nearest_other_task = name;
  }
  if (!s.nearest_other_task.empty()) s.between_task = median_of(nearest_other);
  s.noise = noise_baselines(own, zoo_coordinate_spread(zoo, s.noise_spread), distances);
  return s;
}

std::string describe(const CandidateMemorization& c, const MemorizationReport& r) {
  const std::string where = c.nearest_task + "[" + std::to_string(c.nearest_any_index) + "]";
  const std::string own = c.nearest_task == r.task ? "own task" : "NOT its task: nearest is " + c.nearest_task;
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.2f%%", 100 * c.relative_distance);
  if (r.copy_scale == CopyScale::WithinTaskSpread) {
    char rel[64];
    std::snprintf(rel, sizeof(rel), "%.2f× the median within-task spread", c.relative_to_spread);
    return (c.is_copy ? "copy of " + where + ": " : "new (" + own + "): ") + rel + " from its nearest own checkpoint" +
           (c.is_copy && c.nearest_task != r.task ? "; " + own : "");
  }
  if (c.is_copy) {
    char level[32];
    std::snprintf(level, sizeof(level), "%g%%", 100 * c.noise_level);
    return "copy of " + where + " (" + own + "): " + pct + " away, as close as that checkpoint plus " + level +
           " noise (noise baseline)";
  }
  return std::string("new (") + own + "): " + pct + " from " + where + ", farther than a 10% noisy copy (noise baseline)";
}

}  // namespace

const char* copy_scale_name(CopyScale scale) {
  return scale == CopyScale::WithinTaskSpread ? "within-task spread" : "noise baseline";
}

const char* report_space_name(ReportSpace space) { return space == ReportSpace::DeltaW ? "delta_w" : "flat"; }

ReportSpace parse_report_space(const std::string& name) {
  if (name == "delta_w") return ReportSpace::DeltaW;
  if (name == "flat") return ReportSpace::Flat;
  throw Error("unknown distance space \"" + name + "\" (delta_w or flat)");
}

RowDistances euclidean_distances() {
  return [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::cdist(a.to(torch::kDouble).unsqueeze(0), b.to(torch::kDouble).unsqueeze(0)).squeeze(0);
  };
}

RowDistances row_distances(ReportSpace space, const ZooLayout& layout) {
  if (space == ReportSpace::Flat) return euclidean_distances();
  return [&layout](const torch::Tensor& a, const torch::Tensor& b) { return delta_distances(layout, a, b); };
}

TaskSpread task_spread(const torch::Tensor& checkpoints, const RowDistances& distances) {
  TaskSpread s;
  s.count = checkpoints.size(0);
  if (s.count < 2) return s;
  torch::Tensor d = distances(checkpoints, checkpoints);
  d.fill_diagonal_(std::numeric_limits<double>::infinity());
  const std::vector<double> v = to_vector(std::get<0>(d.min(1)));
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  s.median = median_of(v);
  s.mean_pairwise = mean_pairwise_distance(checkpoints, distances);
  return s;
}

double mean_pairwise_distance(const torch::Tensor& rows, const RowDistances& distances) {
  const int64_t n = rows.size(0);
  if (n < 2) return 0;
  return distances(rows, rows).sum().item<double>() / double(n * (n - 1));
}

std::pair<double, double> coverage_and_precision(const torch::Tensor& real, const torch::Tensor& generated, int64_t k,
                                                 const RowDistances& distances) {
  const int64_t n = real.size(0);
  if (n < 2 || generated.size(0) == 0) return {0, 0};
  k = std::min(k, n - 1);
  torch::Tensor rr = distances(real, real);
  rr.fill_diagonal_(std::numeric_limits<double>::infinity());
  const torch::Tensor radius = std::get<0>(rr.topk(k, 1, /*largest=*/false)).select(1, k - 1);  // [n]
  const torch::Tensor inside = distances(real, generated) <= radius.unsqueeze(1);              // [n, m]
  return {inside.any(1).to(torch::kDouble).mean().item<double>(), inside.any(0).to(torch::kDouble).mean().item<double>()};
}

MemorizationReport memorization_report(const Zoo& zoo, const std::string& task, const torch::Tensor& generated,
                                       bool module_cosines, ReportSpace space) {
  if (!zoo.has_task(task)) throw Error("memorisation report: the zoo has no task \"" + task + "\"");
  const torch::Tensor own = zoo.task_params(task).to(torch::kDouble);
  if (generated.dim() != 2 || generated.size(1) != own.size(1))
    throw Error("memorisation report: generated parameters have the wrong size for the zoo's layout");
  MemorizationReport r;
  r.task = task;
  r.space = space;
  const RowDistances distances = row_distances(space, zoo.layout());
  const std::function<torch::Tensor(const torch::Tensor&)> norms_of = [&](const torch::Tensor& rows) {
    return space == ReportSpace::DeltaW ? delta_norms(zoo.layout(), rows) : rows.to(torch::kDouble).norm(2, 1);
  };
  r.scales = reference_scales(zoo, task, own, distances);
  r.copy_scale = r.scales.within.defined() ? CopyScale::WithinTaskSpread : CopyScale::NoiseBaseline;
  const torch::Tensor g = generated.to(torch::kDouble);
  r.candidates.resize(static_cast<size_t>(g.size(0)));
  find_nearest(zoo, task, g, distances, norms_of, r.candidates);
  const double copy_distance = r.scales.noise.back().distance;  // the 10% baseline (kCopyNoiseLevel)
  std::vector<double> nearest_own;
  int64_t own_hits = 0;
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    auto& c = r.candidates[i];
    const TaskSpread& w = r.scales.within;
    c.relative_to_spread = w.defined() && w.median > 0 ? c.nearest_own / w.median : 0;
    c.relative_to_between = r.scales.between_task > 0 ? c.nearest_any / r.scales.between_task : 0;
    for (auto it = r.scales.noise.rbegin(); it != r.scales.noise.rend(); ++it)
      if (it->distance >= c.nearest_any) c.noise_level = it->level;
    c.is_copy = r.copy_scale == CopyScale::WithinTaskSpread ? c.nearest_own < kCopySpreadFraction * w.median
                                                            : c.nearest_any <= copy_distance;
    c.verdict = describe(c, r);
    own_hits += c.nearest_task == task;
    r.copies += c.is_copy;
    nearest_own.push_back(c.nearest_own);
    if (module_cosines) {
      const ZooLayout& layout = zoo.layout();
      const AdapterComparison cmp = compare_adapters(layout.unflatten(generated[int64_t(i)].to(torch::kFloat)),
                                                     layout.unflatten(own[c.nearest_index].to(torch::kFloat)));
      c.mean_module_cosine = cmp.mean_cosine;
      c.min_module_cosine = 1;
      for (const auto& m : cmp.modules) c.min_module_cosine = std::min(c.min_module_cosine, m.cosine);
    }
  }
  const double n = double(r.candidates.size());
  r.own_task_fraction = n > 0 ? double(own_hits) / n : 0;
  if (r.scales.within.defined() && r.scales.within.median > 0) r.memorization_ratio = median_of(nearest_own) / r.scales.within.median;
  r.diversity.generated_pairwise = mean_pairwise_distance(g, distances);
  r.diversity.checkpoint_pairwise = r.scales.within.mean_pairwise;
  if (r.diversity.checkpoint_pairwise > 0) r.diversity.ratio = r.diversity.generated_pairwise / r.diversity.checkpoint_pairwise;
  if (own.size(0) >= 2) {
    r.diversity.k = std::min(kCoverageNeighbours, own.size(0) - 1);
    std::tie(r.diversity.coverage, r.diversity.precision) = coverage_and_precision(own, g, r.diversity.k, distances);
  }
  static_assert(kNoiseLevels[3] == kCopyNoiseLevel, "the copy rule uses the last noise baseline");
  return r;
}

nlohmann::json to_json(const MemorizationReport& r) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : r.candidates)
    cands.push_back({{"nearest_own", c.nearest_own}, {"nearest_index", c.nearest_index}, {"nearest_any", c.nearest_any},
                     {"nearest_task", c.nearest_task}, {"nearest_any_index", c.nearest_any_index},
                     {"relative_distance", c.relative_distance}, {"relative_to_spread", c.relative_to_spread},
                     {"relative_to_between", c.relative_to_between}, {"noise_level", c.noise_level},
                     {"mean_module_cosine", c.mean_module_cosine}, {"min_module_cosine", c.min_module_cosine},
                     {"is_copy", c.is_copy}, {"verdict", c.verdict}});
  nlohmann::json noise = nlohmann::json::array();
  for (const auto& b : r.scales.noise) noise.push_back({{"level", b.level}, {"distance", b.distance}});
  const TaskSpread& w = r.scales.within;
  return {{"task", r.task},
          {"space", report_space_name(r.space)},
          {"copy_scale", copy_scale_name(r.copy_scale)},
          {"own_task_fraction", r.own_task_fraction},
          {"copies", r.copies},
          {"memorization_ratio", r.memorization_ratio},
          {"scales",
           {{"within_task", {{"checkpoints", w.count}, {"min", w.min}, {"median", w.median}, {"max", w.max},
                             {"mean_pairwise", w.mean_pairwise}}},
            {"between_task", r.scales.between_task},
            {"nearest_other_task", r.scales.nearest_other_task},
            {"noise_baselines", noise},
            {"noise_spread", r.scales.noise_spread}}},
          {"diversity",
           {{"generated_pairwise", r.diversity.generated_pairwise}, {"checkpoint_pairwise", r.diversity.checkpoint_pairwise},
            {"ratio", r.diversity.ratio}, {"k", r.diversity.k}, {"coverage", r.diversity.coverage},
            {"precision", r.diversity.precision}}},
          {"candidates", cands}};
}

}  // namespace lorastudio
