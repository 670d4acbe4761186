#include "core/bench/lora_bench_workload.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <torch/torch.h>

#include "core/cuda/grouped_merge.h"
#include "core/math/lora_math.h"

namespace lorastudio {
namespace {
const char* const kTargets[] = {"attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0",
                                "attn2.to_q", "attn2.to_k", "attn2.to_v", "attn2.to_out.0"};
static_assert(sizeof(kTargets) / sizeof(kTargets[0]) == kAttentionMatricesPerBlock, "targets per block");
}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::Loop: return "loop";
    case Method::LoopAddmm: return "loop_addmm";
    case Method::Batched: return "batched";
    case Method::Grouped: return "grouped";
  }
  return "?";
}

LoraAdapter random_adapter(const BenchWorkload& work, int64_t rank, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t h = work.hidden;
  LoraAdapter a;
  for (int64_t block = 0; block < work.blocks; ++block) {
    for (const char* target : kTargets) {
      LoraModule m;
      m.component = "transformer";
      m.path = "transformer_blocks." + std::to_string(block) + "." + target;
      m.A = (torch::randn({rank, h}) / std::sqrt(static_cast<double>(h))).to(work.device);
      m.B = (torch::randn({h, rank}) * 0.01).to(work.device);
      m.alpha = 8.0;
      a.modules.push_back(std::move(m));
    }
  }
  return a;
}

StackedWeights random_weights(const BenchWorkload& work, torch::ScalarType dtype) {
  // One random matrix, scaled differently per matrix (drawing 300M normals would dominate a CPU run).
  torch::manual_seed(7);
  const int64_t h = work.hidden, g = work.matrices();
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(work.device);
  const torch::Tensor base = torch::randn({h, h}, options) * 0.02;
  const torch::Tensor factors = torch::linspace(0.5, 1.5, g, options).view({g, 1, 1});
  StackedWeights w;
  w.all = torch::empty({g, h, h}, options.dtype(dtype));
  const int64_t chunk = 16;  // bounded float32 temporaries
  for (int64_t i = 0; i < g; i += chunk) {
    const int64_t n = std::min(chunk, g - i);
    w.all.narrow(0, i, n).copy_(base.unsqueeze(0) * factors.narrow(0, i, n));
  }
  for (int64_t i = 0; i < g; ++i) w.views.push_back(w.all.select(0, i));
  return w;
}

std::pair<torch::Tensor, torch::Tensor> stacked_factors(const LoraAdapter& a, torch::ScalarType dtype) {
  std::vector<torch::Tensor> Bs, As;
  std::vector<double> scales;
  for (const auto& m : a.modules) {
    Bs.push_back(m.B);
    As.push_back(m.A);
    scales.push_back(a.scale(m));
  }
  const torch::Tensor s = torch::tensor(scales, torch::kDouble).to(Bs.front().device(), torch::kFloat).view({-1, 1, 1});
  return {torch::stack(Bs).mul_(s).to(dtype), torch::stack(As).to(dtype)};
}

void apply(Method method, StackedWeights& w, const LoraAdapter& a, double sign) {
  switch (method) {
    case Method::Loop:
      for (size_t i = 0; i < a.modules.size(); ++i) {
        if (sign > 0) merge_into(w.views[i], a, a.modules[i]);
        else unmerge_from(w.views[i], a, a.modules[i]);
      }
      break;
    case Method::LoopAddmm:  // addmm_ per matrix, in float32 (through a float32 copy of a bf16/fp16 weight)
      for (size_t i = 0; i < a.modules.size(); ++i) {
        const LoraModule& m = a.modules[i];
        torch::Tensor& wi = w.views[i];
        if (wi.scalar_type() == torch::kFloat) {
          wi.addmm_(m.B, m.A, 1, sign * a.scale(m));
        } else {
          torch::Tensor tmp = wi.to(torch::kFloat);
          tmp.addmm_(m.B, m.A, 1, sign * a.scale(m));
          wi.copy_(tmp);
        }
      }
      break;
    case Method::Batched: {
      const auto f = stacked_factors(a, w.all.scalar_type());
      w.all.baddbmm_(f.first, f.second, 1, sign);
      break;
    }
    case Method::Grouped: {
      std::vector<torch::Tensor> Bs, As;
      std::vector<double> scales;
      for (const auto& m : a.modules) {
        Bs.push_back(m.B);
        As.push_back(m.A);
        scales.push_back(sign * a.scale(m));
      }
      grouped_merge_(w.views, Bs, As, scales);
      break;
    }
  }
}

std::vector<torch::Tensor> materialise(Method method, const LoraAdapter& a, torch::ScalarType dtype) {
  if (method == Method::Batched) {
    const auto f = stacked_factors(a, dtype);
    return {torch::bmm(f.first, f.second)};
  }
  std::vector<torch::Tensor> out;
  for (const auto& m : a.modules) out.push_back(delta_weight(a, m, dtype));
  return out;
}

}  // namespace lorastudio
