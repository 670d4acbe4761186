#include "core/math/lora_stats.h"

#include <algorithm>
#include <cmath>

#include "core/math/low_rank.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// Roy & Vetterli: exp of the Shannon entropy of the normalised singular values.
double effective_rank_of(const std::vector<double>& sigma) {
  double total = 0;
  for (double s : sigma) total += std::max(s, 0.0);
  if (total <= 0) return 0.0;
  double entropy = 0;
  for (double s : sigma) {
    const double p = std::max(s, 0.0) / total;
    if (p > 0) entropy -= p * std::log(p);
  }
  return std::exp(entropy);
}

}  // namespace

ModuleStats module_stats(const LoraAdapter& adapter, const LoraModule& m, int top_k) {
  if (!m.A.defined() || !m.B.defined() || m.A.dim() != 2 || m.B.dim() != 2 || m.A.size(0) != m.B.size(1))
    throw Error("module_stats: module " + module_key(m) + " needs A [r, in] and B [out, r]");
  ModuleStats s;
  s.module = module_key(m);
  s.rank = m.rank();
  s.in_features = m.in_features();
  s.out_features = m.out_features();
  s.alpha = m.alpha;
  s.scale = adapter.scale(m);
  s.norm_A = m.A.to(torch::kDouble).norm().item<double>();
  s.norm_B = m.B.to(torch::kDouble).norm().item<double>();

  const torch::Tensor sv = low_rank_singular_values(m.B, m.A).mul(std::abs(s.scale)).cpu().contiguous();
  const double* p = sv.data_ptr<double>();
  const std::vector<double> sigma(p, p + sv.numel());
  double sum2 = 0;
  for (double x : sigma) sum2 += x * x;
  s.frobenius = std::sqrt(sum2);
  s.effective_rank = effective_rank_of(sigma);
  const size_t k = std::min(sigma.size(), static_cast<size_t>(std::max(top_k, 0)));
  s.singular_values.assign(sigma.begin(), sigma.begin() + static_cast<std::ptrdiff_t>(k));
  return s;
}

std::vector<ModuleStats> adapter_stats(const LoraAdapter& adapter, int top_k) {
  std::vector<ModuleStats> out;
  out.reserve(adapter.modules.size());
  for (const auto& m : adapter.modules) out.push_back(module_stats(adapter, m, top_k));
  return out;
}

AdapterComparison compare_adapters(const LoraAdapter& a, const LoraAdapter& b) {
  const std::string diff = a.layout_difference(b);
  if (!diff.empty()) throw Error("compare_adapters: the adapters have different layouts: " + diff);
  AdapterComparison out;
  double sum_dist2 = 0, sum_norm_b2 = 0, sum_cosine = 0;
  for (size_t k = 0; k < a.modules.size(); ++k) {
    const LoraModule &ma = a.modules[k], &mb = b.modules[k];
    const double sa = a.scale(ma), sb = b.scale(mb);
    ModuleComparison c;
    c.module = module_key(ma);
    c.norm_a = std::abs(sa) * low_rank_frobenius(ma.B, ma.A);
    c.norm_b = std::abs(sb) * low_rank_frobenius(mb.B, mb.A);
    if (c.norm_a > 0 && c.norm_b > 0)
      c.cosine = std::clamp(sa * sb * low_rank_inner(ma.B, ma.A, mb.B, mb.A) / (c.norm_a * c.norm_b), -1.0, 1.0);
    const LowRankFactors d = stack_low_rank({ma.B, mb.B}, {ma.A, mb.A}, {sa, -sb}, torch::kDouble);
    c.distance = low_rank_frobenius(d.B, d.A);
    sum_dist2 += c.distance * c.distance;
    sum_norm_b2 += c.norm_b * c.norm_b;
    sum_cosine += c.cosine;
    out.modules.push_back(c);
  }
  if (!out.modules.empty()) out.mean_cosine = sum_cosine / static_cast<double>(out.modules.size());
  if (sum_norm_b2 > 0) out.relative_distance = std::sqrt(sum_dist2 / sum_norm_b2);
  else out.relative_distance = sum_dist2 > 0 ? INFINITY : 0.0;
  return out;
}

}  // namespace lorastudio
