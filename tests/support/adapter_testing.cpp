#include "tests/support/adapter_testing.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

namespace lorastudio::test {

LoraAdapter random_adapter(const std::vector<ModuleSpec>& specs, uint64_t seed, bool dora) {
  torch::manual_seed(seed);
  LoraAdapter a;
  for (const auto& s : specs) {
    LoraModule m;
    m.path = s.path;
    m.kernel_size = s.kernel;
    m.A = torch::randn({s.rank, s.in * m.kernel_elements()});
    m.B = torch::randn({s.out, s.rank});
    m.alpha = s.alpha;
    if (dora) m.magnitude = torch::rand({s.out}) + 0.5;
    a.modules.push_back(m);
  }
  return a;
}

torch::Tensor reference_delta(const LoraAdapter& adapter, const LoraModule& m, torch::ScalarType dtype) {
  return torch::matmul(m.B.to(dtype), m.A.to(dtype)) * adapter.scale(m);
}

double max_delta_difference(const LoraAdapter& a, const LoraAdapter& b, bool match_component) {
  if (a.modules.size() != b.modules.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (const auto& m : a.modules) {
    const LoraModule* o = b.find(m.path, match_component ? m.component : std::string());
    if (!o) return std::numeric_limits<double>::infinity();
    if (o->out_features() != m.out_features() || o->in_features() != m.in_features() || o->kernel_size != m.kernel_size)
      return std::numeric_limits<double>::infinity();
    const double d = (reference_delta(a, m) - reference_delta(b, *o)).abs().max().item<double>();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace lorastudio::test
