#include "tests/support/synthetic_world.h"

#include <cmath>
#include <stdexcept>

#include <torch/torch.h>

#include "tests/support/adapter_testing.h"

namespace lorastudio::test {
namespace {

ZooLayout world_layout(const SyntheticWorldSpec& s) {
  std::vector<ModuleSpec> specs;
  for (int m = 0; m < s.modules; ++m)
    specs.push_back({"blocks." + std::to_string(m) + ".attn.to_q", s.width, s.width, s.rank, static_cast<double>(s.rank)});
  return ZooLayout::from_adapter(random_adapter(specs, s.seed));
}

// `count` orthonormal directions in R^D.
torch::Tensor directions(int64_t count, int64_t dim) {
  return std::get<0>(torch::linalg_qr(torch::randn({dim, count}, torch::kDouble))).t().to(torch::kFloat);  // [count, D]
}

// `count` rows of task `t`'s distribution (its centre and directions must be set).
torch::Tensor draw_rows(const SyntheticWorldSpec& s, const SyntheticTask& t, int64_t count, std::vector<int>& mode) {
  const int64_t dim = t.centre.size(0);
  const int64_t k = static_cast<int64_t>(s.direction_spread.size());
  const torch::Tensor sigma = torch::tensor(s.direction_spread, torch::kDouble).to(torch::kFloat);
  const torch::Tensor coefficients = torch::randn({count, k}) * sigma;
  torch::Tensor rows = t.centre + coefficients.mm(t.directions.narrow(0, 0, k)) + s.isotropic * torch::randn({count, dim});
  mode.assign(size_t(count), 0);
  if (t.bimodal) {
    for (int64_t i = 0; i < count; ++i) mode[size_t(i)] = int(i % 2);
    const torch::Tensor sign = torch::tensor(std::vector<float>(mode.begin(), mode.end())) * 2 - 1;
    rows = rows + s.mode_offset * sign.unsqueeze(1) * t.directions[k].unsqueeze(0);
  }
  return rows.contiguous();
}

SyntheticTask make_task(const SyntheticWorldSpec& s, int d, int l, const torch::Tensor& base, const torch::Tensor& u,
                        const torch::Tensor& v) {
  SyntheticTask t;
  t.domain = d;
  t.label = l;
  t.name = s.domains[size_t(d)] + "_" + s.labels[size_t(l)];
  t.text = "Classify " + s.domains[size_t(d)] + " reviews by " + s.labels[size_t(l)] + ".";
  for (const auto& [hd, hl] : s.held_out) t.held_out = t.held_out || (hd == d && hl == l);
  t.bimodal = s.bimodal.first == d && s.bimodal.second == l;
  t.centre = base + u[d] + v[l];
  t.directions = directions(static_cast<int64_t>(s.direction_spread.size()) + 1, base.size(0));
  t.checkpoints = draw_rows(s, t, s.checkpoints, t.mode);
  return t;
}

}  // namespace

const SyntheticTask& SyntheticWorld::task(const std::string& name) const {
  for (const auto& t : tasks)
    if (t.name == name) return t;
  throw std::runtime_error("no synthetic task " + name);
}

std::vector<const SyntheticTask*> SyntheticWorld::training_tasks() const {
  std::vector<const SyntheticTask*> r;
  for (const auto& t : tasks)
    if (!t.held_out) r.push_back(&t);
  return r;
}

std::vector<const SyntheticTask*> SyntheticWorld::held_out_tasks() const {
  std::vector<const SyntheticTask*> r;
  for (const auto& t : tasks)
    if (t.held_out) r.push_back(&t);
  return r;
}

double SyntheticWorld::within_task_rms() const {
  double sum = 0;
  int64_t n = 0;
  for (const auto& t : tasks) {
    sum += (t.checkpoints - t.checkpoints.mean(0)).square().sum().item<double>();
    n += t.checkpoints.size(0);
  }
  return std::sqrt(sum / double(n));
}

torch::Tensor SyntheticWorld::draw(const SyntheticTask& task, int64_t count, uint64_t seed) const {
  torch::manual_seed(seed);
  std::vector<int> mode;
  return draw_rows(spec, task, count, mode);
}

SyntheticWorld make_synthetic_world(const SyntheticWorldSpec& s) {
  SyntheticWorld w;
  w.spec = s;
  const int64_t dim = world_layout(s).dim();
  torch::manual_seed(s.seed);
  const torch::Tensor base = torch::randn({dim});
  const torch::Tensor u = s.centre_scale * torch::randn({int64_t(s.domains.size()), dim});
  const torch::Tensor v = s.centre_scale * torch::randn({int64_t(s.labels.size()), dim});
  for (int d = 0; d < int(s.domains.size()); ++d)
    for (int l = 0; l < int(s.labels.size()); ++l) w.tasks.push_back(make_task(s, d, l, base, u, v));
  return w;
}

Zoo write_world_zoo(const SyntheticWorld& world, const std::string& dir) {
  const ZooLayout layout = world_layout(world.spec);
  Zoo zoo = Zoo::create(dir);
  for (const SyntheticTask* t : world.training_tasks()) {
    FlatCheckpoints rows;
    rows.params = t->checkpoints;
    zoo.add_task(t->name, TaskCondition::from_text(t->text), rows, layout);
  }
  return zoo;
}

}  // namespace lorastudio::test
