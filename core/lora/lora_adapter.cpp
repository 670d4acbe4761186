#include "core/lora/lora_adapter.h"

#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio {

std::string module_key(const LoraModule& m) {
  return m.component.empty() ? m.path : m.component + ":" + m.path;
}

int64_t LoraModule::kernel_elements() const {
  int64_t n = 1;
  for (int64_t k : kernel_size) n *= k;
  return n;
}

torch::Tensor LoraModule::file_A() const {
  if (!is_conv() || !A.defined()) return A;
  std::vector<int64_t> shape{A.size(0), in_channels()};
  shape.insert(shape.end(), kernel_size.begin(), kernel_size.end());
  return A.reshape(shape);
}

torch::Tensor LoraModule::file_B() const {
  if (!is_conv() || !B.defined()) return B;
  std::vector<int64_t> shape{B.size(0), B.size(1)};
  shape.resize(2 + kernel_size.size(), 1);
  return B.reshape(shape);
}

std::string LoraModule::shape_text() const {
  std::string s = std::to_string(out_features()) + "x" + std::to_string(is_conv() ? in_channels() : in_features());
  for (int64_t k : kernel_size) s += "x" + std::to_string(k);
  return s;
}

double LoraAdapter::scale(const LoraModule& m) const {
  const double r = static_cast<double>(m.rank());
  if (r <= 0) return 0.0;
  return use_rslora ? m.alpha / std::sqrt(r) : m.alpha / r;
}

const LoraModule* LoraAdapter::find(const std::string& path, const std::string& component) const {
  for (const auto& m : modules)
    if (m.path == path && (component.empty() || m.component == component)) return &m;
  return nullptr;
}

int64_t LoraAdapter::parameter_count() const {
  int64_t n = 0;
  for (const auto& m : modules) {
    if (m.A.defined()) n += m.A.numel();
    if (m.B.defined()) n += m.B.numel();
    if (m.magnitude.defined()) n += m.magnitude.numel();
  }
  return n;
}

namespace {

void validate_kernel(const LoraModule& m, const std::string& label) {
  if (!m.is_conv()) return;
  const std::string key = module_key(m);
  if (m.kernel_size.size() > 3) throw FileError(label, "module " + key + ": a conv LoRA kernel has at most 3 dimensions");
  for (int64_t k : m.kernel_size)
    if (k <= 0 || k > 4096) throw FileError(label, "module " + key + ": kernel size " + std::to_string(k) + " is out of range");
  if (m.in_features() % m.kernel_elements() != 0)
    throw FileError(label, "module " + key + ": lora_A has " + std::to_string(m.in_features()) +
                               " columns, not a whole number of " + std::to_string(m.kernel_elements()) + "-element kernels");
  if (m.is_dora()) throw FileError(label, "module " + key + ": DoRA on convolutions is not supported");
}

}  // namespace

void LoraAdapter::validate(const std::string& label) const {
  if (modules.empty()) throw FileError(label, "the adapter has no LoRA modules");
  for (const auto& m : modules) {
    const std::string key = module_key(m);
    if (!m.A.defined()) throw FileError(label, "module " + key + " has no lora_A (down) weight");
    if (!m.B.defined()) throw FileError(label, "module " + key + " has no lora_B (up) weight");
    if (m.A.dim() != 2) throw FileError(label, "module " + key + ": lora_A must be 2-D [r, in], got " + std::to_string(m.A.dim()) + "-D");
    if (m.B.dim() != 2) throw FileError(label, "module " + key + ": lora_B must be 2-D [out, r], got " + std::to_string(m.B.dim()) + "-D");
    if (m.A.size(0) != m.B.size(1)) {
      std::ostringstream s;
      s << "module " << key << ": rank mismatch, lora_A has " << m.A.size(0) << " rows but lora_B has "
        << m.B.size(1) << " columns";
      throw FileError(label, s.str());
    }
    if (m.A.size(0) == 0) throw FileError(label, "module " + key + " has rank 0");
    validate_kernel(m, label);
    if (!std::isfinite(m.alpha)) throw FileError(label, "module " + key + ": alpha is not finite");
    if (m.magnitude.defined() && (m.magnitude.numel() != m.B.size(0))) {
      std::ostringstream s;
      s << "module " << key << ": DoRA magnitude has " << m.magnitude.numel() << " entries, expected out_features = "
        << m.B.size(0);
      throw FileError(label, s.str());
    }
  }
}

namespace {

bool all_finite(const torch::Tensor& t) { return !t.defined() || t.numel() == 0 || torch::isfinite(t).all().item<bool>(); }

}  // namespace

std::vector<std::string> LoraAdapter::non_finite_modules() const {
  std::vector<std::string> bad;
  for (const auto& m : modules)
    if (!all_finite(m.A) || !all_finite(m.B) || !all_finite(m.magnitude)) bad.push_back(module_key(m));
  for (const auto& [name, t] : saved_modules)
    if (!all_finite(t)) bad.push_back(name + " (modules_to_save)");
  return bad;
}

void LoraAdapter::require_finite(const std::string& label) const {
  const std::vector<std::string> bad = non_finite_modules();
  if (bad.empty()) return;
  std::string list;
  for (size_t i = 0; i < bad.size() && i < 8; ++i) list += (i ? ", " : "") + bad[i];
  if (bad.size() > 8) list += ", … (" + std::to_string(bad.size() - 8) + " more)";
  throw FileError(label, "holds NaN or Inf values in " + std::to_string(bad.size()) + " module" + (bad.size() == 1 ? "" : "s") +
                             ": " + list);
}

std::string LoraAdapter::layout_difference(const LoraAdapter& other) const {
  if (modules.size() != other.modules.size())
    return "module count differs (" + std::to_string(modules.size()) + " vs " + std::to_string(other.modules.size()) + ")";
  for (size_t i = 0; i < modules.size(); ++i) {
    const auto& a = modules[i];
    const auto& b = other.modules[i];
    // A module without a component (PEFT files carry none) matches the same path under any component.
    const bool same_component = a.component == b.component || a.component.empty() || b.component.empty();
    if (a.path != b.path || !same_component)
      return "module " + std::to_string(i) + " is " + module_key(a) + " in one and " + module_key(b) + " in the other";
    if (a.in_features() != b.in_features() || a.out_features() != b.out_features() || a.kernel_size != b.kernel_size)
      return "module " + module_key(a) + " is " + a.shape_text() + " in one and " + b.shape_text() + " in the other";
  }
  return {};
}

}  // namespace lorastudio
