#include "core/math/lora_math.h"

#include <sstream>

#include "core/cuda/grouped_merge.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// float64 for double weights, float32 for everything else (fp32, bf16, fp16).
torch::ScalarType accumulation_type(torch::ScalarType t) { return t == torch::kDouble ? torch::kDouble : torch::kFloat; }

std::string shape_string(const torch::Tensor& t) {
  std::ostringstream s;
  s << "[";
  for (int64_t i = 0; i < t.dim(); ++i) s << (i ? ", " : "") << t.size(i);
  s << "]";
  return s.str();
}

void check_module(const LoraModule& m, const char* where) {
  if (!m.A.defined() || !m.B.defined() || m.A.dim() != 2 || m.B.dim() != 2 || m.A.size(0) != m.B.size(1))
    throw Error(std::string(where) + ": module " + module_key(m) + " needs A [r, in] and B [out, r]");
}

// The [out, in·k…] matrix of a conv module's base weight [out, in, k…]: a view, so that in-place updates reach
// the weight. Linear weights come back as they are.
torch::Tensor matrix_of(const torch::Tensor& weight, const LoraModule& m, const char* where) {
  if (!m.is_conv()) return weight;
  std::vector<int64_t> expected{m.out_features(), m.in_channels()};
  expected.insert(expected.end(), m.kernel_size.begin(), m.kernel_size.end());
  if (!weight.defined() || weight.sizes().vec() != expected)
    throw Error(std::string(where) + ": conv module " + module_key(m) + " expects a base weight of " + m.shape_text() +
                ", got " + (weight.defined() ? shape_string(weight) : std::string("none")));
  if (!weight.is_contiguous())
    throw Error(std::string(where) + ": the base weight of conv module " + module_key(m) + " must be contiguous");
  return weight.view({m.out_features(), m.in_features()});
}

void check_weight(const torch::Tensor& weight, const LoraAdapter& adapter, const LoraModule& m, const char* where) {
  check_module(m, where);
  if (m.is_conv() && (m.is_dora() || adapter.fan_in_fan_out))
    throw Error(std::string(where) + ": conv module " + module_key(m) + " cannot be DoRA or fan_in_fan_out");
  if (!weight.defined() || weight.dim() != 2)
    throw Error(std::string(where) + ": the base weight of " + module_key(m) + " must be a 2-D tensor");
  if (!weight.is_floating_point())
    throw Error(std::string(where) + ": the base weight of " + module_key(m) + " is not a floating-point tensor");
  const int64_t rows = adapter.fan_in_fan_out ? m.in_features() : m.out_features();
  const int64_t cols = adapter.fan_in_fan_out ? m.out_features() : m.in_features();
  if (weight.size(0) != rows || weight.size(1) != cols) {
    std::ostringstream s;
    s << where << ": module " << module_key(m) << " expects a base weight of " << rows << "x" << cols
      << (adapter.fan_in_fan_out ? " ([in, out], fan_in_fan_out)" : " ([out, in])") << ", got " << shape_string(weight);
    throw Error(s.str());
  }
}

// Factors on the weight's device in the accumulation type, oriented to the weight's layout:
// W[out,in] += left·right with left = B, right = A; fan_in_fan_out W[in,out] += Aᵀ·Bᵀ.
struct Oriented {
  torch::Tensor left, right;
};
Oriented oriented_factors(const torch::Tensor& weight, const LoraAdapter& adapter, const LoraModule& m,
                          torch::ScalarType acc) {
  torch::Tensor B = m.B.to(weight.device(), acc), A = m.A.to(weight.device(), acc);
  if (adapter.fan_in_fan_out) return {A.t(), B.t()};
  return {B, A};
}

// W += s·left·right, accumulated in the accumulation type and rounded once into W's dtype. On CUDA (in a build
// with the kernels) this is the grouped merge kernel for one matrix: no float32 copy of a bf16/fp16 weight.
void add_low_rank(torch::Tensor& weight, const Oriented& f, double s) {
  if (weight.is_cuda()) {
    std::vector<torch::Tensor> one = {weight};
    grouped_merge_(one, {f.left}, {f.right}, {s});  // falls back to addmm_ where the kernel does not apply
    return;
  }
  if (weight.scalar_type() == f.left.scalar_type()) {
    weight.addmm_(f.left, f.right, /*beta=*/1, /*alpha=*/s);
  } else {
    torch::Tensor w = weight.to(f.left.scalar_type());
    w.addmm_(f.left, f.right, 1, s);
    weight.copy_(w);  // the one rounding into the weight's dtype
  }
}

// Per-output-feature vector shaped to broadcast over the weight's layout.
torch::Tensor per_output(const torch::Tensor& v, bool fan_in_fan_out) {
  return fan_in_fan_out ? v.view({1, -1}) : v.view({-1, 1});
}

}  // namespace

torch::Tensor delta_weight(const LoraAdapter& adapter, const LoraModule& m, torch::ScalarType dtype) {
  check_module(m, "delta_weight");
  const torch::ScalarType acc = accumulation_type(dtype);
  const torch::Tensor A = m.A.to(acc);
  const torch::Tensor B = m.B.to(A.device(), acc);
  torch::Tensor d = B.mm(A).mul_(adapter.scale(m));
  return dtype == acc ? d : d.to(dtype);
}

MergeRecord merge_into(torch::Tensor& base_weight, const LoraAdapter& adapter, const LoraModule& m, double multiplier) {
  torch::Tensor weight = matrix_of(base_weight, m, "merge_into");
  check_weight(weight, adapter, m, "merge_into");
  const torch::ScalarType acc = accumulation_type(weight.scalar_type());
  const double s = multiplier * adapter.scale(m);
  const Oriented f = oriented_factors(weight, adapter, m, acc);
  MergeRecord record;
  if (!m.is_dora()) {
    add_low_rank(weight, f, s);
    return record;
  }
  // DoRA (PEFT): W' = m / ||W + sBA||_row · (W + sBA), the norm over each output feature's input weights.
  torch::Tensor w = weight.to(acc);
  w.addmm_(f.left, f.right, 1, s);
  const torch::Tensor norm = w.square().sum(adapter.fan_in_fan_out ? 0 : 1).sqrt();
  const torch::Tensor magnitude = m.magnitude.to(weight.device(), acc).reshape({-1});
  w.mul_(per_output(magnitude / norm, adapter.fan_in_fan_out));
  weight.copy_(w);
  record.dora_weight_norm = norm;
  return record;
}

void unmerge_from(torch::Tensor& base_weight, const LoraAdapter& adapter, const LoraModule& m, double multiplier,
                  const MergeRecord& record) {
  torch::Tensor weight = matrix_of(base_weight, m, "unmerge_from");
  check_weight(weight, adapter, m, "unmerge_from");
  const torch::ScalarType acc = accumulation_type(weight.scalar_type());
  const double s = multiplier * adapter.scale(m);
  const Oriented f = oriented_factors(weight, adapter, m, acc);
  if (!m.is_dora()) {
    add_low_rank(weight, f, -s);
    return;
  }
  if (!record.dora_weight_norm.defined())
    throw Error("unmerge_from: module " + module_key(m) +
                " is DoRA; unmerging needs the MergeRecord that merge_into returned (the weight norm it divided by)");
  if (record.dora_weight_norm.numel() != m.out_features())
    throw Error("unmerge_from: the MergeRecord given for " + module_key(m) + " does not belong to this module");
  torch::Tensor w = weight.to(acc);
  const torch::Tensor norm = record.dora_weight_norm.to(weight.device(), acc).reshape({-1});
  const torch::Tensor magnitude = m.magnitude.to(weight.device(), acc).reshape({-1});
  w.mul_(per_output(norm / magnitude, adapter.fan_in_fan_out));
  w.addmm_(f.left, f.right, 1, -s);
  weight.copy_(w);
}

LoraAdapter scaled(const LoraAdapter& adapter, double s) {
  LoraAdapter out = adapter;
  for (auto& m : out.modules) m.B = m.B.mul(s);
  return out;
}

}  // namespace lorastudio
