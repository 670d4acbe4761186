#include "core/math/lora_mixing.h"

#include <cmath>
#include <sstream>

#include "core/math/low_rank.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// Checks that adapters can be combined module by module; throws Error naming the operation and the first problem.
void check_mixable(const std::vector<const LoraAdapter*>& adapters, const char* op) {
  if (adapters.empty()) throw Error(std::string(op) + ": no adapters given");
  for (size_t i = 0; i < adapters.size(); ++i) {
    if (!adapters[i]) throw Error(std::string(op) + ": adapter " + std::to_string(i + 1) + " is null");
    const LoraAdapter& a = *adapters[i];
    if (a.modules.empty()) throw Error(std::string(op) + ": adapter " + std::to_string(i + 1) + " has no modules");
    for (const auto& m : a.modules) {
      if (m.is_dora())
        throw Error(std::string(op) + ": adapter " + std::to_string(i + 1) + " is DoRA (module " + module_key(m) +
                    " has a magnitude vector); DoRA adapters cannot be mixed, their row renormalisation is not "
                    "linear in ΔW");
      if (!m.A.defined() || !m.B.defined() || m.A.dim() != 2 || m.B.dim() != 2 || m.A.size(0) != m.B.size(1))
        throw Error(std::string(op) + ": adapter " + std::to_string(i + 1) + ", module " + module_key(m) +
                    " needs A [r, in] and B [out, r]");
    }
    if (i == 0) continue;
    const std::string diff = adapters[0]->layout_difference(a);
    if (!diff.empty())
      throw Error(std::string(op) + ": adapters 1 and " + std::to_string(i + 1) + " have different layouts: " + diff);
    if (a.fan_in_fan_out != adapters[0]->fan_in_fan_out)
      throw Error(std::string(op) + ": adapters 1 and " + std::to_string(i + 1) + " disagree on fan_in_fan_out");
  }
}

// The factors' common dtype, at least float32 (so scaled factors stay exact enough).
torch::ScalarType result_dtype(const std::vector<const LoraAdapter*>& adapters) {
  torch::ScalarType t = torch::kFloat;
  for (const auto* a : adapters)
    for (const auto& m : a->modules) t = at::promote_types(t, at::promote_types(m.A.scalar_type(), m.B.scalar_type()));
  return t;
}

// Metadata of the first adapter, no modules, plain (not rsLoRA) scaling.
LoraAdapter empty_like(const LoraAdapter& first, const std::string& operation) {
  LoraAdapter out;
  out.use_rslora = false;
  out.fan_in_fan_out = first.fan_in_fan_out;
  out.base_model = first.base_model;
  out.task_type = first.task_type;
  out.target_modules = first.target_modules;
  out.provenance["operation"] = operation;
  return out;
}

// modules_to_save (full weights) cannot be mixed in ΔW space: they are averaged, weights normalised to sum 1.
std::map<std::string, torch::Tensor> average_saved_modules(const std::vector<const LoraAdapter*>& adapters,
                                                           const std::vector<double>& weights, const char* op) {
  std::map<std::string, torch::Tensor> out;
  const auto& first = adapters.front()->saved_modules;
  for (size_t i = 1; i < adapters.size(); ++i) {
    const auto& other = adapters[i]->saved_modules;
    bool same = other.size() == first.size();
    for (auto it = first.begin(), jt = other.begin(); same && it != first.end(); ++it, ++jt)
      same = it->first == jt->first && it->second.sizes() == jt->second.sizes();
    if (!same)
      throw Error(std::string(op) + ": adapters 1 and " + std::to_string(i + 1) +
                  " save different full modules (modules_to_save)");
  }
  if (first.empty()) return out;
  double total = 0;
  for (double w : weights) total += w;
  if (total == 0)
    throw Error(std::string(op) + ": the weights sum to 0, so the saved full modules (modules_to_save) cannot be averaged");
  for (const auto& [key, tensor] : first) {
    torch::Tensor acc = torch::zeros(tensor.sizes(), tensor.options().dtype(torch::kDouble));
    for (size_t i = 0; i < adapters.size(); ++i)
      acc.add_(adapters[i]->saved_modules.at(key).to(acc.device(), torch::kDouble), weights[i] / total);
    out[key] = acc.to(tensor.scalar_type());
  }
  return out;
}

std::string describe(const char* op, const std::vector<double>& weights) {
  std::ostringstream s;
  s << op << "(";
  for (size_t i = 0; i < weights.size(); ++i) s << (i ? ", " : "") << weights[i];
  s << ")";
  return s.str();
}

// Σ cᵢ·ΔWᵢ of module index `index` as stacked factors (float64 on the first adapter's device).
LowRankFactors stacked_module(const std::vector<const LoraAdapter*>& adapters, size_t index,
                              const std::vector<double>& weights, torch::ScalarType dtype) {
  std::vector<torch::Tensor> Bs, As;
  std::vector<double> coefficients;
  for (size_t i = 0; i < adapters.size(); ++i) {
    const LoraModule& m = adapters[i]->modules[index];
    Bs.push_back(m.B);
    As.push_back(m.A);
    coefficients.push_back(weights[i] * adapters[i]->scale(m));
  }
  return stack_low_rank(Bs, As, coefficients, dtype);
}

}  // namespace

LoraAdapter interpolate(const LoraAdapter& a, const LoraAdapter& b, double lambda) {
  if (!std::isfinite(lambda)) throw Error("interpolate: λ is not finite");
  LoraAdapter out = mix({&a, &b}, {1.0 - lambda, lambda});
  std::ostringstream s;
  s << "interpolate(lambda=" << lambda << ")";
  out.provenance["operation"] = s.str();
  return out;
}

LoraAdapter mix(const std::vector<const LoraAdapter*>& adapters, const std::vector<double>& weights) {
  check_mixable(adapters, "mix");
  if (weights.size() != adapters.size())
    throw Error("mix: " + std::to_string(adapters.size()) + " adapters but " + std::to_string(weights.size()) + " weights");
  const torch::ScalarType dtype = result_dtype(adapters);
  LoraAdapter out = empty_like(*adapters.front(), describe("mix", weights));
  for (size_t k = 0; k < adapters.front()->modules.size(); ++k) {
    const LoraModule& first = adapters.front()->modules[k];
    const LowRankFactors f = stacked_module(adapters, k, weights, dtype);
    LoraModule m;
    m.path = first.path;
    m.component = first.component;
    m.kernel_size = first.kernel_size;
    m.B = f.B;
    m.A = f.A;
    m.alpha = static_cast<double>(f.A.size(0));  // scale 1: the coefficients live in B
    out.modules.push_back(std::move(m));
  }
  out.saved_modules = average_saved_modules(adapters, weights, "mix");
  return out;
}

SoupResult delta_soup(const std::vector<const LoraAdapter*>& adapters, int64_t rank, const std::vector<double>& weights) {
  check_mixable(adapters, "delta_soup");
  std::vector<double> w = weights.empty() ? std::vector<double>(adapters.size(), 1.0) : weights;
  if (w.size() != adapters.size())
    throw Error("delta_soup: " + std::to_string(adapters.size()) + " adapters but " + std::to_string(w.size()) + " weights");
  double total = 0;
  for (double x : w) total += x;
  if (total == 0 || !std::isfinite(total)) throw Error("delta_soup: the weights sum to 0 (or are not finite)");
  for (double& x : w) x /= total;

  SoupResult result;
  if (rank <= 0) {
    result.adapter = mix(adapters, w);
    result.adapter.provenance["operation"] = describe("delta_soup", w) + " exact (stacked rank)";
  } else {
    result.adapter = empty_like(*adapters.front(), describe("delta_soup", w) + " rank " + std::to_string(rank));
    result.adapter.saved_modules = average_saved_modules(adapters, w, "delta_soup");
  }
  const torch::ScalarType dtype = result_dtype(adapters);
  double sum_abs2 = 0, sum_norm2 = 0;
  for (size_t k = 0; k < adapters.front()->modules.size(); ++k) {
    const LoraModule& first = adapters.front()->modules[k];
    ModuleSoupError e;
    e.module = module_key(first);
    if (rank <= 0) {
      const LoraModule& m = result.adapter.modules[k];
      sum_norm2 += std::pow(low_rank_frobenius(m.B, m.A), 2);
      result.errors.push_back(e);
      continue;
    }
    const LowRankFactors f = stacked_module(adapters, k, w, torch::kDouble);
    const LowRankSvd svd = low_rank_svd(f.B, f.A);
    const int64_t keep = std::min<int64_t>(rank, svd.S.size(0));
    const double norm2 = svd.S.square().sum().item<double>();
    const double abs2 = svd.S.slice(0, keep).square().sum().item<double>();
    e.absolute_error = std::sqrt(abs2);
    e.relative_error = norm2 > 0 ? std::sqrt(abs2 / norm2) : 0.0;
    sum_abs2 += abs2;
    sum_norm2 += norm2;
    result.errors.push_back(e);

    // Balanced split U√S · √S Vh, zero-padded to exactly `rank`.
    const torch::Tensor root = svd.S.slice(0, 0, keep).sqrt();
    torch::Tensor B = torch::zeros({first.out_features(), rank}, f.B.options());
    torch::Tensor A = torch::zeros({rank, first.in_features()}, f.A.options());
    B.slice(1, 0, keep).copy_(svd.U.slice(1, 0, keep) * root.view({1, -1}));
    A.slice(0, 0, keep).copy_(svd.Vh.slice(0, 0, keep) * root.view({-1, 1}));
    LoraModule m;
    m.path = first.path;
    m.component = first.component;
    m.kernel_size = first.kernel_size;
    m.B = B.to(dtype);
    m.A = A.to(dtype);
    m.alpha = static_cast<double>(rank);
    result.adapter.modules.push_back(std::move(m));
  }
  result.relative_error = sum_norm2 > 0 ? std::sqrt(sum_abs2 / sum_norm2) : 0.0;
  return result;
}

LoraAdapter factor_average(const std::vector<const LoraAdapter*>& adapters) {
  check_mixable(adapters, "factor_average");
  const LoraAdapter& first = *adapters.front();
  for (size_t i = 1; i < adapters.size(); ++i) {
    if (adapters[i]->use_rslora != first.use_rslora)
      throw Error("factor_average: adapters 1 and " + std::to_string(i + 1) + " disagree on use_rslora");
    for (size_t k = 0; k < first.modules.size(); ++k) {
      const LoraModule &a = first.modules[k], &b = adapters[i]->modules[k];
      if (a.rank() != b.rank() || a.alpha != b.alpha) {
        std::ostringstream s;
        s << "factor_average: module " << module_key(a) << " has rank " << a.rank() << ", alpha " << a.alpha
          << " in adapter 1 but rank " << b.rank() << ", alpha " << b.alpha << " in adapter " << i + 1
          << " (averaging factors needs equal ranks and alphas)";
        throw Error(s.str());
      }
    }
  }
  const torch::ScalarType dtype = result_dtype(adapters);
  const std::vector<double> uniform(adapters.size(), 1.0 / static_cast<double>(adapters.size()));
  LoraAdapter out = empty_like(first, "factor_average (A and B averaged separately; not a ΔW average)");
  out.use_rslora = first.use_rslora;
  for (size_t k = 0; k < first.modules.size(); ++k) {
    LoraModule m;
    m.path = first.modules[k].path;
    m.component = first.modules[k].component;
    m.kernel_size = first.modules[k].kernel_size;
    m.alpha = first.modules[k].alpha;
    const auto dev = first.modules[k].A.device();
    m.A = torch::zeros(first.modules[k].A.sizes(), torch::TensorOptions().dtype(dtype).device(dev));
    m.B = torch::zeros(first.modules[k].B.sizes(), torch::TensorOptions().dtype(dtype).device(dev));
    for (size_t i = 0; i < adapters.size(); ++i) {
      m.A.add_(adapters[i]->modules[k].A.to(dev, dtype), uniform[i]);
      m.B.add_(adapters[i]->modules[k].B.to(dev, dtype), uniform[i]);
    }
    out.modules.push_back(std::move(m));
  }
  out.saved_modules = average_saved_modules(adapters, uniform, "factor_average");
  return out;
}

}  // namespace lorastudio
