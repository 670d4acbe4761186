#include "core/formats/module_assembler.h"

#include <algorithm>
#include <cctype>

#include "core/util/error.h"

namespace lorastudio {

bool natural_less(const std::string& x, const std::string& y) {
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (std::isdigit(static_cast<unsigned char>(x[i])) && std::isdigit(static_cast<unsigned char>(y[j]))) {
      size_t i2 = i, j2 = j;
      while (i2 < x.size() && std::isdigit(static_cast<unsigned char>(x[i2]))) ++i2;
      while (j2 < y.size() && std::isdigit(static_cast<unsigned char>(y[j2]))) ++j2;
      const std::string a = x.substr(i, i2 - i), b = y.substr(j, j2 - j);
      const std::string a0 = a.substr(std::min(a.find_first_not_of('0'), a.size()));
      const std::string b0 = b.substr(std::min(b.find_first_not_of('0'), b.size()));
      if (a0.size() != b0.size()) return a0.size() < b0.size();
      if (a0 != b0) return a0 < b0;
      i = i2;
      j = j2;
    } else {
      if (x[i] != y[j]) return x[i] < y[j];
      ++i;
      ++j;
    }
  }
  return x.size() - i < y.size() - j;
}

void ModuleAssembler::add(const std::string& component, const std::string& path, LoraPart part,
                          torch::Tensor tensor, const std::string& key) {
  Parts& p = parts_[{component, path}];
  torch::Tensor* slot = nullptr;
  switch (part) {
    case LoraPart::A: slot = &p.a; p.a_key = key; break;
    case LoraPart::B: slot = &p.b; p.b_key = key; break;
    case LoraPart::Alpha: slot = &p.alpha; break;
    case LoraPart::Magnitude: slot = &p.magnitude; break;
  }
  if (slot->defined()) throw FileError(label_, "module " + path + " appears twice (again as key \"" + key + "\")");
  *slot = std::move(tensor);
}

namespace {

std::string dims_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// Linear: A [r, in], B [out, r]. Conv (LoCon): A [r, in, k…] (1 to 3 kernel dims), B [out, r, 1…] of the same
// rank, held as A [r, in·k…], B [out, r] with the kernel remembered.
void set_factors(LoraModule& m, const torch::Tensor& a, const torch::Tensor& b, const std::string& label) {
  if (a.dim() == 2 && b.dim() == 2) {
    m.A = a;
    m.B = b;
    return;
  }
  bool pointwise_b = b.dim() == a.dim();
  for (int64_t d = 2; pointwise_b && d < b.dim(); ++d) pointwise_b = b.size(d) == 1;
  if (a.dim() < 3 || a.dim() > 5 || !pointwise_b)
    throw FileError(label, "module " + m.path + ": lora_A " + dims_text(a) + " and lora_B " + dims_text(b) +
                               " are neither linear LoRA ([r, in] and [out, r]) nor conv LoRA ([r, in, k…] and [out, r, 1…])");
  m.kernel_size.assign(a.sizes().begin() + 2, a.sizes().end());
  m.A = a.reshape({a.size(0), -1});
  m.B = b.reshape({b.size(0), b.size(1)});
}

}  // namespace

std::vector<LoraModule> ModuleAssembler::finish(
    const std::function<double(const std::string&, int64_t)>& default_alpha, int* modules_without_alpha) const {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& kv : parts_) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return natural_less(a.second, b.second);
  });
  std::vector<LoraModule> out;
  int without_alpha = 0;
  for (const auto& key : keys) {
    const Parts& p = parts_.at(key);
    const std::string& path = key.second;
    if (!p.a.defined()) throw FileError(label_, "module " + path + " has an up/B weight (" + p.b_key + ") but no down/A weight");
    if (!p.b.defined()) throw FileError(label_, "module " + path + " has a down/A weight (" + p.a_key + ") but no up/B weight");
    LoraModule m;
    m.component = key.first;
    m.path = path;
    set_factors(m, p.a, p.b, label_);
    if (p.magnitude.defined()) m.magnitude = p.magnitude.reshape({-1});
    if (p.alpha.defined()) {
      if (p.alpha.numel() != 1) throw FileError(label_, "module " + path + ": alpha must be a single number");
      m.alpha = p.alpha.to(torch::kDouble).item<double>();
    } else {
      m.alpha = default_alpha(path, m.rank());
      ++without_alpha;
    }
    out.push_back(std::move(m));
  }
  if (modules_without_alpha) *modules_without_alpha = without_alpha;
  return out;
}

}  // namespace lorastudio
