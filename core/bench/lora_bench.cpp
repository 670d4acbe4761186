#include "core/bench/lora_bench.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "core/bench/bench_timing.h"
#include "core/cuda/grouped_merge.h"
#include "core/lora/lora_adapter.h"
#include "core/math/lora_math.h"
#include "core/math/lora_mixing.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

const char* const kTargets[] = {"attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0",
                                "attn2.to_q", "attn2.to_k", "attn2.to_v", "attn2.to_out.0"};
constexpr double kLambda = 0.5;

enum class Method { Loop, Batched, Grouped };
const char* method_name(Method m) { return m == Method::Loop ? "loop" : m == Method::Batched ? "batched" : "grouped"; }

torch::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16") return torch::kHalf;
  throw Error("lora bench: unknown dtype '" + name + "' (float32, bfloat16, float16)");
}
const char* dtype_name(torch::ScalarType t) {
  return t == torch::kFloat ? "float32" : t == torch::kBFloat16 ? "bfloat16" : "float16";
}
// Accuracy bound relative to the largest magnitude. loop/grouped accumulate in float32 and round once: one ulp
// of the weights' dtype (float32: 8 ulps, the sum of r products is itself rounded). batched works in the weights'
// dtype (factors rounded to it; a CPU bfloat16 baddbmm_ also rounds the product before adding): 4 ulps.
double error_bound_factor(torch::ScalarType t, bool native_dtype) {
  const double ulp = t == torch::kFloat ? std::ldexp(1.0, -20) : t == torch::kBFloat16 ? std::ldexp(1.0, -7) : std::ldexp(1.0, -10);
  return native_dtype && t != torch::kFloat ? 4 * ulp : ulp;
}

struct Bench {
  const LoraBenchOptions& options;
  torch::Device device;
  int repeats, warmup;
  double copy_gbps = 0;
  nlohmann::json rows = nlohmann::json::array();
  bool all_correct = true;

  int64_t matrices() const { return options.blocks * 8; }
  void progress(const std::string& line) const {
    if (options.progress) options.progress(line);
  }
};

// Two adapters' worth of PixArt attention LoRA factors (float32, alpha 8 like Cond P-Diff's).
LoraAdapter random_adapter(const Bench& bench, int64_t rank, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t h = bench.options.hidden;
  LoraAdapter a;
  for (int64_t block = 0; block < bench.options.blocks; ++block) {
    for (const char* target : kTargets) {
      LoraModule m;
      m.component = "transformer";
      m.path = "transformer_blocks." + std::to_string(block) + "." + target;
      m.A = (torch::randn({rank, h}) / std::sqrt(static_cast<double>(h))).to(bench.device);
      m.B = (torch::randn({h, rank}) * 0.01).to(bench.device);
      m.alpha = 8.0;
      a.modules.push_back(std::move(m));
    }
  }
  return a;
}

// All weights in one [G, out, in] tensor; `views` are its matrices (so every method works on the same memory).
struct StackedWeights {
  torch::Tensor all;
  std::vector<torch::Tensor> views;
};
StackedWeights random_weights(const Bench& bench, torch::ScalarType dtype) {
  // One random matrix, scaled differently per matrix (drawing 300M normals would dominate a CPU run).
  torch::manual_seed(7);
  const int64_t h = bench.options.hidden, g = bench.matrices();
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(bench.device);
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

// Stacked factors [G, out, r]·s and [G, r, in] in `dtype` for the batched method.
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

// W += sign·ΔW(a) on every matrix, by `method`.
void apply(Method method, StackedWeights& w, const LoraAdapter& a, double sign) {
  switch (method) {
    case Method::Loop:
      for (size_t i = 0; i < a.modules.size(); ++i) {
        if (sign > 0) merge_into(w.views[i], a, a.modules[i]);
        else unmerge_from(w.views[i], a, a.modules[i]);
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

// ΔW of every module in `dtype`, by `method` (the grouped kernel has no materialisation of its own).
std::vector<torch::Tensor> materialise(Method method, const LoraAdapter& a, torch::ScalarType dtype) {
  if (method == Method::Batched) {
    const auto f = stacked_factors(a, dtype);
    return {torch::bmm(f.first, f.second)};
  }
  std::vector<torch::Tensor> out;
  for (const auto& m : a.modules) out.push_back(delta_weight(a, m, dtype));
  return out;
}

// The matrices checked against float64: the first and the last.
std::vector<int64_t> checked(const Bench& bench) { return {0, bench.matrices() - 1}; }

std::vector<torch::Tensor> snapshot(const Bench& bench, const StackedWeights& w) {
  std::vector<torch::Tensor> s;
  for (int64_t k : checked(bench)) s.push_back(w.views[k].to(torch::kDouble));
  return s;
}

// float64 Σ cᵢ·ΔWᵢ of the checked matrices.
std::vector<torch::Tensor> reference_deltas(const Bench& bench, const std::vector<const LoraAdapter*>& adapters,
                                            const std::vector<double>& coefficients) {
  std::vector<torch::Tensor> out;
  for (int64_t k : checked(bench)) {
    torch::Tensor d;
    for (size_t i = 0; i < adapters.size(); ++i) {
      const torch::Tensor di = coefficients[i] * delta_weight(*adapters[i], adapters[i]->modules[k], torch::kDouble);
      d = d.defined() ? d + di : di;
    }
    out.push_back(d);
  }
  return out;
}

struct Check {
  double max_abs_error = 0, bound = 0;
};
// max |got − expected| over the checked matrices, and the one-rounding bound relative to max |expected|.
Check compare(const std::vector<torch::Tensor>& got, const std::vector<torch::Tensor>& expected, torch::ScalarType dtype,
              bool native_dtype) {
  Check c;
  double scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    c.max_abs_error = std::max(c.max_abs_error, (got[i].to(torch::kDouble) - expected[i]).abs().max().item<double>());
    scale = std::max(scale, expected[i].abs().max().item<double>());
  }
  c.bound = error_bound_factor(dtype, native_dtype) * scale;
  return c;
}

std::vector<torch::Tensor> current(const Bench& bench, const StackedWeights& w) {
  std::vector<torch::Tensor> s;
  for (int64_t k : checked(bench)) s.push_back(w.views[k]);
  return s;
}

std::vector<torch::Tensor> plus(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(a[i] + b[i]);
  return out;
}

// Bytes an ideal implementation moves: every W element read and written (or only written for ΔW), plus the
// float32 factors read once.
int64_t ideal_bytes(const Bench& bench, torch::ScalarType dtype, int64_t rank, bool read_weights) {
  const int64_t h = bench.options.hidden;
  const int64_t elem = dtype == torch::kFloat ? 4 : 2;
  return bench.matrices() * ((read_weights ? 2 : 1) * h * h * elem + 2 * h * rank * 4);
}

void add_row(Bench& bench, const char* operation, Method method, torch::ScalarType dtype, int64_t rank,
             const Timing& t, int64_t bytes, const Check& check) {
  nlohmann::json r;
  r["operation"] = operation;
  r["method"] = method_name(method);
  r["dtype"] = dtype_name(dtype);
  r["rank"] = rank;
  r["median_ms"] = t.median_ms;
  r["min_ms"] = t.min_ms;
  r["max_ms"] = t.max_ms;
  r["bytes"] = bytes;
  r["gb_per_s"] = static_cast<double>(bytes) / (t.median_ms * 1e-3) / 1e9;
  const double floor_ms = static_cast<double>(bytes) / (bench.copy_gbps * 1e9) * 1e3;
  r["floor_ms"] = floor_ms;
  r["ratio_to_floor"] = t.median_ms / floor_ms;
  const std::string op = operation;
  if (bench.device.is_cuda() && dtype == torch::kBFloat16 && (op == "merge" || op == "unmerge"))
    r["ratio_to_issue_floor"] = t.median_ms / bench.options.issue_floor_ms;
  r["max_abs_error"] = check.max_abs_error;
  r["error_bound"] = check.bound;
  r["correct"] = check.max_abs_error <= check.bound;
  if (!(check.max_abs_error <= check.bound)) bench.all_correct = false;
  bench.rows.push_back(r);
  std::ostringstream s;
  s << dtype_name(dtype) << " r=" << rank << " " << operation << " " << method_name(method) << ": " << t.median_ms << " ms";
  bench.progress(s.str());
}

void bench_method(Bench& bench, StackedWeights& w, Method method, const LoraAdapter& a, const LoraAdapter& b,
                  bool with_interpolation) {
  const torch::ScalarType dtype = w.all.scalar_type();
  const int64_t rank = a.modules.front().rank();
  const bool native = method == Method::Batched;
  const auto delta_a = reference_deltas(bench, {&a}, {1.0});

  // merge / unmerge: the first pair is the correctness check (and a warm-up).
  auto before = snapshot(bench, w);
  apply(method, w, a, +1);
  const Check merge_check = compare(current(bench, w), plus(before, delta_a), dtype, native);
  apply(method, w, a, -1);
  const Check unmerge_check = compare(current(bench, w), before, dtype, native);
  const auto t = time_alternating([&] { apply(method, w, a, +1); }, [&] { apply(method, w, a, -1); }, bench.repeats,
                                  bench.warmup, bench.device);
  add_row(bench, "merge", method, dtype, rank, t.first, ideal_bytes(bench, dtype, rank, true), merge_check);
  add_row(bench, "unmerge", method, dtype, rank, t.second, ideal_bytes(bench, dtype, rank, true), unmerge_check);
  if (!with_interpolation) return;

  // interpolation-merge: interpolate(a, b, ½) (rank 2r, built inside the timed region) merged. The timed runs
  // alternate merging it with +1 and −1 (the same work), so the weights end where they began.
  const LoraAdapter mixed = interpolate(a, b, kLambda);
  const auto delta_mix = reference_deltas(bench, {&a, &b}, {1 - kLambda, kLambda});
  before = snapshot(bench, w);
  double sign = +1;
  const auto interp_merge = [&] {
    apply(method, w, interpolate(a, b, kLambda), sign);
    sign = -sign;
  };
  interp_merge();
  const Check interp_check = compare(current(bench, w), plus(before, delta_mix), dtype, native);
  const int interp_runs = bench.warmup + bench.repeats;
  const Timing ti = time_repeats(interp_merge, bench.repeats, bench.warmup, bench.device);
  if (interp_runs % 2 == 0) apply(method, w, mixed, -1);  // an odd number of merges in all: undo the last
  add_row(bench, "interpolation_merge", method, dtype, 2 * rank, ti, ideal_bytes(bench, dtype, 2 * rank, true),
          interp_check);

  // ΔW materialisation of the interpolation (all matrices, in the weights' dtype).
  if (method == Method::Grouped) return;
  Check delta_check;
  {
    const auto out = materialise(method, mixed, dtype);
    std::vector<torch::Tensor> got;
    for (int64_t k : checked(bench)) got.push_back(out.size() == 1 ? out[0].select(0, k) : out[k]);
    delta_check = compare(got, delta_mix, dtype, native);
  }
  const Timing td = time_repeats([&] { materialise(method, interpolate(a, b, kLambda), dtype); }, bench.repeats,
                                 bench.warmup, bench.device);
  add_row(bench, "delta_materialise", method, dtype, 2 * rank, td, ideal_bytes(bench, dtype, 2 * rank, false),
          delta_check);
}

}  // namespace

nlohmann::json run_lora_bench(const LoraBenchOptions& options) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(options.device);
  } catch (const std::exception&) {
    throw Error("lora bench: unknown device '" + options.device + "' (cpu or cuda)");
  }
  if (!device.is_cpu() && !device.is_cuda()) throw Error("lora bench: device must be cpu or cuda, got " + options.device);
  if (device.is_cuda() && !torch::cuda::is_available())
    throw Error("lora bench: --device cuda asked for, but this LibTorch sees no CUDA device");
  if (options.rank < 1 || options.rank > 256) throw Error("lora bench: rank must be 1..256");
  if (options.blocks < 1 || options.hidden < 1) throw Error("lora bench: blocks and hidden size must be positive");
  std::vector<torch::ScalarType> dtypes;
  for (const auto& d : options.dtypes) dtypes.push_back(parse_dtype(d));

  torch::NoGradGuard no_grad;
  const auto started = std::chrono::steady_clock::now();
  Bench bench{options, device, options.repeats > 0 ? options.repeats : (device.is_cuda() ? 20 : 2),
              options.warmup >= 0 ? options.warmup : (device.is_cuda() ? 3 : 0)};
  bench.copy_gbps = copy_bandwidth_gbps(device, device.is_cuda() ? (int64_t(1) << 30) : (int64_t(256) << 20),
                                        device.is_cuda() ? 20 : 5);
  bench.progress("copy bandwidth: " + std::to_string(bench.copy_gbps) + " GB/s");

  std::vector<Method> methods = {Method::Loop, Method::Batched};
  if (device.is_cuda()) methods.push_back(Method::Grouped);
  std::vector<int64_t> ranks = {options.rank};
  if (options.also_rank1 && options.rank != 1) ranks.push_back(1);

  for (torch::ScalarType dtype : dtypes) {
    StackedWeights w = random_weights(bench, dtype);
    bench.progress(std::string(dtype_name(dtype)) + " weights ready");
    for (int64_t rank : ranks) {
      const LoraAdapter a = random_adapter(bench, rank, 1000 + rank), b = random_adapter(bench, rank, 2000 + rank);
      for (Method method : methods) bench_method(bench, w, method, a, b, rank == options.rank);
    }
  }

  nlohmann::json j;
  j["bench"] = "lora";
  j["device"] = device.str();
  j["libtorch"] = TORCH_VERSION;
  j["threads"] = at::get_num_threads();
  j["model"] = {{"name", "PixArt-α XL/2 attention (attn1/attn2 to_q, to_k, to_v, to_out.0)"},
                {"blocks", options.blocks},
                {"matrices", bench.matrices()},
                {"shape", {options.hidden, options.hidden}}};
  j["rank"] = options.rank;
  j["interpolation"] = {{"lambda", kLambda}, {"rank", 2 * options.rank}};
  j["repeats"] = bench.repeats;
  j["warmup"] = bench.warmup;
  j["copy_bandwidth_gb_per_s"] = bench.copy_gbps;
  if (device.is_cuda()) j["issue_floor_ms"] = options.issue_floor_ms;
  j["grouped_kernel_built"] = grouped_merge_kernels_built();
  j["all_correct"] = bench.all_correct;
  j["total_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  j["results"] = bench.rows;
  j["notes"] = {
      "times: median of the timed repeats, device-synchronised; the correctness run precedes them",
      "bytes: ideal traffic (W read + written, or only written for delta_materialise; float32 factors read once)",
      "floor_ms: bytes / copy_bandwidth (a large copy_ on the same device in the same run)",
      "loop: merge_into/unmerge_from/delta_weight per matrix (float32 accumulation, one rounding); batched: "
      "baddbmm_/bmm on the stacked weights in their dtype, factors stacked inside the timed region; grouped: "
      "grouped_merge_ (one CUDA launch; CUDA only)",
      "interpolation_merge and delta_materialise build interpolate(a, b, 0.5) inside the timed region",
      "max_abs_error: against float64 on the first and last matrix; error_bound: 1 ulp of the largest value for "
      "loop/grouped (float32 accumulation, one rounding; float32 weights: 8 ulps), 4 ulps for batched in bf16/fp16 "
      "(arithmetic in the weights' dtype)"};
  return j;
}

}  // namespace lorastudio
