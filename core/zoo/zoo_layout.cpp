#include "core/zoo/zoo_layout.h"

#include <cmath>
#include <map>
#include <limits>
#include <set>
#include <sstream>

#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {
namespace {

constexpr const char* kLayoutFormat = "lorastudio-zoo-layout";
constexpr int kLayoutVersion = 2;

bool same_alpha(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a)); }

std::string shape_text(int64_t out, int64_t in) { return std::to_string(out) + "x" + std::to_string(in); }

void check_balance(const BalanceOptions& b, const std::string& label) {
  if (!std::isfinite(b.scale_A) || !std::isfinite(b.scale_B) || b.scale_A == 0 || b.scale_B == 0) {
    std::ostringstream s;
    s << "balance scales must be finite and non-zero (scale_A " << b.scale_A << ", scale_B " << b.scale_B << ")";
    throw FileError(label, s.str());
  }
}

// Copy of `n` elements from `flat` at `offset`, multiplied by `scale` in double precision, as float32.
torch::Tensor scaled_segment(const torch::Tensor& flat, int64_t offset, int64_t n, double scale) {
  torch::Tensor t = flat.narrow(0, offset, n);
  if (scale == 1.0) return t.to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
  return t.to(torch::kDouble).mul(scale).to(torch::kFloat);
}


}  // namespace

ZooLayout ZooLayout::from_adapter(const LoraAdapter& adapter, const BalanceOptions& balance, const std::string& label) {
  adapter.validate(label);
  check_balance(balance, label);
  ZooLayout layout;
  layout.use_rslora_ = adapter.use_rslora;
  layout.fan_in_fan_out_ = adapter.fan_in_fan_out;
  layout.balance_ = balance;
  layout.base_model_ = adapter.base_model;
  layout.task_type_ = adapter.task_type;
  layout.target_modules_ = adapter.target_modules;
  std::set<std::string> keys;
  int64_t offset = 0;
  for (const auto& m : adapter.modules) {
    if (!keys.insert(module_key(m)).second) throw FileError(label, "module " + module_key(m) + " appears twice");
    ZooModuleLayout ml;
    ml.path = m.path;
    ml.component = m.component;
    ml.rank = m.rank();
    ml.in_features = m.in_features();
    ml.out_features = m.out_features();
    ml.alpha = m.alpha;
    ml.kernel_size = m.kernel_size;
    ml.offset_A = offset;
    ml.offset_B = offset + ml.size_A();
    if (m.is_dora()) ml.offset_magnitude = ml.offset_B + ml.size_B();
    offset += ml.size();
    layout.modules_.push_back(ml);
  }
  layout.dim_ = offset;
  return layout;
}

const ZooModuleLayout* ZooLayout::match(const LoraModule& m) const {
  for (const auto& ml : modules_)
    if (ml.path == m.path && ml.component == m.component) return &ml;
  const ZooModuleLayout* found = nullptr;
  for (const auto& ml : modules_) {
    if (ml.path != m.path || !(ml.component.empty() || m.component.empty())) continue;
    if (found) return nullptr;  // ambiguous: the path exists under several components
    found = &ml;
  }
  return found;
}

std::string ZooLayout::mismatch(const LoraAdapter& adapter) const {
  if (adapter.use_rslora != use_rslora_)
    return std::string("the adapter ") + (adapter.use_rslora ? "uses" : "does not use") + " rsLoRA; the zoo's layout " +
           (use_rslora_ ? "does" : "does not");
  if (adapter.fan_in_fan_out != fan_in_fan_out_)
    return std::string("the adapter has fan_in_fan_out ") + (adapter.fan_in_fan_out ? "on" : "off") +
           "; the zoo's layout has it " + (fan_in_fan_out_ ? "on" : "off");
  std::set<const ZooModuleLayout*> seen;
  for (const auto& m : adapter.modules) {
    const ZooModuleLayout* ml = match(m);
    const std::string key = module_key(m);
    if (!ml) return "module " + key + " is not in the zoo's layout";
    if (!seen.insert(ml).second) return "module " + key + " appears twice";
    if (m.rank() != ml->rank)
      return "module " + key + " has rank " + std::to_string(m.rank()) + "; the zoo's has rank " + std::to_string(ml->rank);
    if (m.kernel_size != ml->kernel_size)
      return "module " + key + (m.is_conv() ? " is a conv LoRA (" + m.shape_text() + ")" : std::string(" is linear")) +
             "; the zoo's is " + (ml->kernel_size.empty() ? std::string("linear") : std::string("a conv LoRA"));
    if (m.out_features() != ml->out_features || m.in_features() != ml->in_features)
      return "module " + key + " is " + shape_text(m.out_features(), m.in_features()) + " (out x in); the zoo's is " +
             shape_text(ml->out_features, ml->in_features);
    if (!same_alpha(m.alpha, ml->alpha)) {
      std::ostringstream s;
      s << "module " << key << " has alpha " << m.alpha << "; the zoo's has alpha " << ml->alpha;
      return s.str();
    }
    if (m.is_dora() != ml->has_magnitude())
      return "module " + key + (m.is_dora() ? " is DoRA (has a magnitude vector); the zoo's is plain LoRA"
                                            : " is plain LoRA; the zoo's is DoRA (has a magnitude vector)");
  }
  for (const auto& ml : modules_)
    if (!seen.count(&ml)) return "module " + ml.key() + " of the zoo's layout is missing from the adapter";
  return {};
}

std::string ZooLayout::difference(const ZooLayout& other) const {
  if (dim_ != other.dim_) return "D is " + std::to_string(dim_) + " in one and " + std::to_string(other.dim_) + " in the other";
  if (use_rslora_ != other.use_rslora_) return "rsLoRA differs";
  if (fan_in_fan_out_ != other.fan_in_fan_out_) return "fan_in_fan_out differs";
  if (balance_.scale_A != other.balance_.scale_A || balance_.scale_B != other.balance_.scale_B) {
    std::ostringstream s;
    s << "balance differs (scale_A " << balance_.scale_A << ", scale_B " << balance_.scale_B << " in one; scale_A "
      << other.balance_.scale_A << ", scale_B " << other.balance_.scale_B << " in the other)";
    return s.str();
  }
  if (modules_.size() != other.modules_.size())
    return "module count differs (" + std::to_string(modules_.size()) + " vs " + std::to_string(other.modules_.size()) + ")";
  for (size_t i = 0; i < modules_.size(); ++i) {
    const auto& a = modules_[i];
    const auto& b = other.modules_[i];
    if (a.path != b.path || a.component != b.component)
      return "module " + std::to_string(i) + " is " + a.key() + " in one and " + b.key() + " in the other";
    if (a.rank != b.rank || a.in_features != b.in_features || a.out_features != b.out_features ||
        !same_alpha(a.alpha, b.alpha) || a.has_magnitude() != b.has_magnitude() || a.kernel_size != b.kernel_size)
      return "module " + a.key() + " differs in rank, shape, kernel, alpha or DoRA";
  }
  return {};
}

torch::Tensor ZooLayout::flatten(const LoraAdapter& adapter, const std::string& label) const {
  const std::string problem = mismatch(adapter);
  if (!problem.empty()) throw FileError(label, "does not match the zoo layout: " + problem);
  torch::Tensor out = torch::empty({dim_}, torch::kFloat);
  for (const auto& m : adapter.modules) {
    const ZooModuleLayout& ml = *match(m);
    out.narrow(0, ml.offset_A, ml.size_A()).copy_(scaled_segment(m.A.reshape({-1}), 0, ml.size_A(), balance_.scale_A));
    out.narrow(0, ml.offset_B, ml.size_B()).copy_(scaled_segment(m.B.reshape({-1}), 0, ml.size_B(), balance_.scale_B));
    if (ml.has_magnitude())
      out.narrow(0, ml.offset_magnitude, ml.out_features).copy_(m.magnitude.reshape({-1}).to(torch::kFloat));
  }
  return out;
}

LoraAdapter ZooLayout::unflatten(const torch::Tensor& vector) const {
  torch::Tensor v = vector;
  if (v.dim() == 2 && v.size(0) == 1) v = v.squeeze(0);
  if (v.dim() != 1 || v.size(0) != dim_) {
    std::ostringstream s;
    s << "cannot unflatten a tensor of shape " << vector.sizes() << ": the zoo layout needs [" << dim_ << "] or [1, "
      << dim_ << "]";
    throw Error(s.str());
  }
  return adapter_view(unbalance(v.to(torch::kCPU)));
}

torch::Tensor ZooLayout::unbalance_scales() const {
  if (balance_.is_identity()) return {};
  torch::Tensor scales = torch::ones({dim_}, torch::kDouble);
  for (const auto& ml : modules_) {
    scales.narrow(0, ml.offset_A, ml.size_A()).fill_(1.0 / balance_.scale_A);
    scales.narrow(0, ml.offset_B, ml.size_B()).fill_(1.0 / balance_.scale_B);
  }
  return scales;
}

torch::Tensor ZooLayout::unbalance(const torch::Tensor& flat, const torch::Tensor& scales) const {
  if (!flat.defined() || !flat.is_floating_point()) throw Error("cannot unbalance a tensor of integer dtype");
  if (flat.dim() < 1 || flat.size(-1) != dim_) {
    std::ostringstream s;
    s << "cannot unbalance a tensor of shape " << flat.sizes() << ": the zoo layout has D = " << dim_;
    throw Error(s.str());
  }
  const torch::Tensor s = scales.defined() ? scales : unbalance_scales();
  if (!s.defined()) return flat.to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
  // Multiplied in double as flatten() does, then float32.
  return (flat.to(torch::kDouble) * s.to(flat.device(), torch::kDouble)).to(torch::kFloat);
}

LoraAdapter ZooLayout::adapter_view(const torch::Tensor& unbalanced) const {
  if (!unbalanced.defined() || unbalanced.dim() != 1 || unbalanced.size(0) != dim_ ||
      unbalanced.scalar_type() != torch::kFloat)
    throw Error("adapter_view: needs a float32 [" + std::to_string(dim_) + "] vector");
  const torch::Tensor v = unbalanced.contiguous();
  LoraAdapter a;
  a.use_rslora = use_rslora_;
  a.fan_in_fan_out = fan_in_fan_out_;
  a.base_model = base_model_;
  a.task_type = task_type_;
  a.target_modules = target_modules_;
  a.modules.reserve(modules_.size());
  for (const auto& ml : modules_) {
    LoraModule m;
    m.path = ml.path;
    m.component = ml.component;
    m.alpha = ml.alpha;
    m.kernel_size = ml.kernel_size;
    m.A = v.narrow(0, ml.offset_A, ml.size_A()).view({ml.rank, ml.in_features});
    m.B = v.narrow(0, ml.offset_B, ml.size_B()).view({ml.out_features, ml.rank});
    if (ml.has_magnitude()) m.magnitude = v.narrow(0, ml.offset_magnitude, ml.out_features);
    a.modules.push_back(std::move(m));
  }
  return a;
}

nlohmann::json ZooLayout::to_json() const {
  nlohmann::json mods = nlohmann::json::array();
  bool conv = false;
  for (const auto& ml : modules_) {
    nlohmann::json m = {{"path", ml.path},         {"component", ml.component}, {"rank", ml.rank},
                        {"in", ml.in_features},    {"out", ml.out_features},    {"alpha", ml.alpha},
                        {"offset_A", ml.offset_A}, {"offset_B", ml.offset_B}};
    if (ml.has_magnitude()) m["offset_magnitude"] = ml.offset_magnitude;
    if (!ml.kernel_size.empty()) {
      m["kernel"] = ml.kernel_size;
      conv = true;
    }
    mods.push_back(std::move(m));
  }
  // Version 2 adds conv modules ("kernel"): a layout without them stays version 1, readable by older builds.
  return {{"format", kLayoutFormat},
          {"version", conv ? 2 : 1},
          {"dim", dim_},
          {"use_rslora", use_rslora_},
          {"fan_in_fan_out", fan_in_fan_out_},
          {"balance", {{"scale_A", balance_.scale_A}, {"scale_B", balance_.scale_B}}},
          {"base_model", base_model_},
          {"task_type", task_type_},
          {"target_modules", target_modules_},
          {"modules", mods}};
}

namespace {

ZooModuleLayout module_layout_from_json(const JsonReader& m) {
  constexpr int64_t kMaxFeatures = int64_t(1) << 31;
  constexpr double kHuge = std::numeric_limits<double>::max();
  ZooModuleLayout ml;
  ml.path = m.string_at("path");
  ml.component = m.string_at("component");
  ml.rank = m.int_at("rank", 1, kMaxFeatures);
  ml.in_features = m.int_at("in", 1, kMaxFeatures);
  ml.out_features = m.int_at("out", 1, kMaxFeatures);
  ml.alpha = m.double_at("alpha", -kHuge, kHuge);
  ml.offset_A = m.int_at("offset_A", 0, INT64_MAX);
  ml.offset_B = m.int_at("offset_B", 0, INT64_MAX);
  ml.offset_magnitude = m.has("offset_magnitude") ? m.int_at("offset_magnitude", 0, INT64_MAX) : -1;
  m.read("kernel", ml.kernel_size, 1, 4096);
  if (ml.kernel_size.size() > 3) m.fail("kernel", "has more than 3 dimensions");
  int64_t elements = 1;
  for (int64_t k : ml.kernel_size) elements *= k;
  if (ml.in_features % elements != 0) m.fail("kernel", "does not divide \"in\" (" + std::to_string(ml.in_features) + ")");
  return ml;
}

}  // namespace

ZooLayout ZooLayout::from_json(const nlohmann::json& j, const std::string& label) {
  const JsonReader r(j, label);
  std::string format;
  if (r.has("format") && r.at("format").is_string()) format = r.string_at("format");
  if (format != kLayoutFormat)
    throw FileError(label, std::string("not a zoo layout (\"format\" is not \"") + kLayoutFormat + "\")");
  const int64_t version = r.int_at("version", 0, INT32_MAX);
  if (version < 1 || version > kLayoutVersion)
    throw FileError(label, "layout version " + std::to_string(version) + " is not supported (this LoRA Studio reads 1.." +
                               std::to_string(kLayoutVersion) + ")");
  ZooLayout layout;
  layout.use_rslora_ = r.bool_at("use_rslora");
  layout.fan_in_fan_out_ = r.bool_at("fan_in_fan_out");
  const JsonReader balance(r.at("balance"), label, "balance");
  layout.balance_.scale_A = balance.double_at("scale_A", -1e12, 1e12);
  layout.balance_.scale_B = balance.double_at("scale_B", -1e12, 1e12);
  check_balance(layout.balance_, label);
  r.read("base_model", layout.base_model_);
  r.read("task_type", layout.task_type_);
  if (r.has("target_modules")) layout.target_modules_ = r.strings_at("target_modules");
  const nlohmann::json& mods = r.at("modules");
  if (!mods.is_array() || mods.empty()) r.fail("modules", "must be a non-empty array");
  std::set<std::string> keys;
  int64_t offset = 0;
  for (size_t i = 0; i < mods.size(); ++i) {
    const JsonReader m(mods[i], label, "modules[" + std::to_string(i) + "]");
    const ZooModuleLayout ml = module_layout_from_json(m);
    if (!keys.insert(ml.key()).second) m.fail("path", "module " + ml.key() + " appears twice");
    if (ml.offset_A != offset || ml.offset_B != offset + ml.size_A() ||
        (ml.has_magnitude() && ml.offset_magnitude != ml.offset_B + ml.size_B()))
      m.fail("offset_A", "offsets do not follow the previous module (A at " + std::to_string(offset) +
                             ", then B, then the magnitude expected)");
    offset += ml.size();
    layout.modules_.push_back(ml);
  }
  layout.dim_ = offset;
  const int64_t dim = r.int_at("dim", 0, INT64_MAX);
  if (dim != offset) r.fail("dim", std::to_string(dim) + " but the modules add up to " + std::to_string(offset));
  return layout;
}

nlohmann::json ZooLayout::summary_json() const {
  std::set<int64_t> ranks;
  std::set<double> alphas;
  std::set<std::string> components;
  bool dora = false;
  int64_t conv = 0;
  for (const auto& ml : modules_) {
    conv += ml.kernel_size.empty() ? 0 : 1;
    ranks.insert(ml.rank);
    alphas.insert(ml.alpha);
    components.insert(ml.component);
    dora = dora || ml.has_magnitude();
  }
  return {{"modules", modules_.size()},
          {"dim", dim_},
          {"ranks", ranks},
          {"alphas", alphas},
          {"components", components},
          {"use_rslora", use_rslora_},
          {"fan_in_fan_out", fan_in_fan_out_},
          {"dora", dora},
          {"conv_modules", conv},
          {"balance", {{"scale_A", balance_.scale_A}, {"scale_B", balance_.scale_B}}}};
}

std::string ZooLayout::module_of(int64_t index) const {
  for (const auto& m : modules_)
    if (index >= m.offset_A && index < m.offset_A + m.size()) return m.key();
  return {};
}

}  // namespace lorastudio
