#include "core/bench/lora_bench.h"

#include "core/bench/bench_environment.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "core/bench/bench_timing.h"
#include "core/bench/lora_bench_workload.h"
#include "core/cuda/grouped_merge.h"
#include "core/math/lora_math.h"
#include "core/math/lora_mixing.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

constexpr double kLambda = 0.5;

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
  nlohmann::json skipped = nlohmann::json::array();  // method/dtype pairs this LibTorch cannot run
  bool all_correct = true;

  int64_t matrices() const { return options.blocks * kAttentionMatricesPerBlock; }
  BenchWorkload workload() const { return {options.blocks, options.hidden, device}; }
  void progress(const std::string& line) const {
    if (options.progress) options.progress(line);
  }
};

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

// Every measurement: `warmup` untimed runs, then `repeats` timed runs of which the first is also the correctness
// check against float64 (so a CPU run, which needs no warm-up, does each operation only `repeats` times).
void bench_method(Bench& bench, StackedWeights& w, Method method, const LoraAdapter& a, const LoraAdapter& b,
                  bool with_interpolation) {
  const torch::ScalarType dtype = w.all.scalar_type();
  const int64_t rank = a.modules.front().rank();
  const bool native = method == Method::Batched;
  const auto timed = [&](const std::function<void()>& op) { return time_once_ms(op, bench.device); };
  const auto merge = [&] { apply(method, w, a, +1); };
  const auto unmerge = [&] { apply(method, w, a, -1); };

  // merge / unmerge, alternating so that the weights end where they began.
  for (int i = 0; i < bench.warmup; ++i) {
    merge();
    unmerge();
  }
  const auto delta_a = reference_deltas(bench, {&a}, {1.0});
  auto before = snapshot(bench, w);
  std::vector<double> merge_ms = {timed(merge)};
  const Check merge_check = compare(current(bench, w), plus(before, delta_a), dtype, native);
  std::vector<double> unmerge_ms = {timed(unmerge)};
  const Check unmerge_check = compare(current(bench, w), before, dtype, native);
  for (int i = 1; i < bench.repeats; ++i) {
    merge_ms.push_back(timed(merge));
    unmerge_ms.push_back(timed(unmerge));
  }
  add_row(bench, "merge", method, dtype, rank, summarize(merge_ms), ideal_bytes(bench, dtype, rank, true), merge_check);
  add_row(bench, "unmerge", method, dtype, rank, summarize(unmerge_ms), ideal_bytes(bench, dtype, rank, true),
          unmerge_check);
  if (!with_interpolation) return;

  // interpolation-merge: the interpolated adapter interpolate(a, b, ½) (rank 2r) merged. Successive runs merge
  // it with +1 and −1 (the same work), so the weights end where they began.
  const LoraAdapter mixed = interpolate(a, b, kLambda);
  double sign = +1;
  const auto interp_merge = [&] {
    apply(method, w, mixed, sign);
    sign = -sign;
  };
  for (int i = 0; i < 2 * bench.warmup; ++i) interp_merge();
  const auto delta_mix = reference_deltas(bench, {&a, &b}, {1 - kLambda, kLambda});
  before = snapshot(bench, w);
  std::vector<double> interp_ms = {timed(interp_merge)};
  const Check interp_check = compare(current(bench, w), plus(before, delta_mix), dtype, native);
  for (int i = 1; i < bench.repeats; ++i) interp_ms.push_back(timed(interp_merge));
  if (sign < 0) apply(method, w, mixed, -1);  // an odd number of merges: undo the last
  add_row(bench, "interpolation_merge", method, dtype, 2 * rank, summarize(interp_ms),
          ideal_bytes(bench, dtype, 2 * rank, true), interp_check);

  // ΔW materialisation of the interpolation (all matrices, in the weights' dtype).
  if (method == Method::Grouped || method == Method::LoopAddmm) return;
  std::vector<torch::Tensor> out;
  const auto materialise_mix = [&] { out = materialise(method, mixed, dtype); };
  for (int i = 0; i < bench.warmup; ++i) materialise_mix();
  out.clear();
  std::vector<double> delta_ms = {timed(materialise_mix)};
  std::vector<torch::Tensor> got;
  for (int64_t k : checked(bench)) got.push_back(out.size() == 1 ? out[0].select(0, k) : out[k]);
  const Check delta_check = compare(got, delta_mix, dtype, native);
  got.clear();
  for (int i = 1; i < bench.repeats; ++i) {
    out.clear();  // free the previous result first, as a caller that materialises once would
    delta_ms.push_back(timed(materialise_mix));
  }
  out.clear();
  add_row(bench, "delta_materialise", method, dtype, 2 * rank, summarize(delta_ms),
          ideal_bytes(bench, dtype, 2 * rank, false), delta_check);
}

// Building interpolate(a, b, ½) itself (factor stacking only; no weights touched).
void bench_interpolate(Bench& bench, int64_t rank) {
  const LoraAdapter a = random_adapter(bench.workload(), rank, 1000 + rank), b = random_adapter(bench.workload(), rank, 2000 + rank);
  LoraAdapter mixed;
  const auto build = [&] { mixed = interpolate(a, b, kLambda); };
  for (int i = 0; i < bench.warmup; ++i) build();
  std::vector<double> ms;
  for (int i = 0; i < std::max(bench.repeats, 1); ++i) ms.push_back(time_once_ms(build, bench.device));
  std::vector<torch::Tensor> got;
  for (int64_t k : checked(bench)) got.push_back(delta_weight(mixed, mixed.modules[k], torch::kDouble));
  const Check check = compare(got, reference_deltas(bench, {&a, &b}, {1 - kLambda, kLambda}), torch::kFloat, false);
  const int64_t h = bench.options.hidden;
  const int64_t factor_bytes = bench.matrices() * 2 * h * rank * 4;  // one adapter's float32 factors
  add_row(bench, "interpolate", Method::Loop, torch::kFloat, 2 * rank, summarize(ms), 4 * factor_bytes, check);
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
  if (device.is_cuda()) methods = {Method::Loop, Method::LoopAddmm, Method::Batched, Method::Grouped};
  std::vector<int64_t> ranks = {options.rank};
  if (options.also_rank1 && options.rank != 1) ranks.push_back(1);

  bench_interpolate(bench, options.rank);
  for (torch::ScalarType dtype : dtypes) {
    StackedWeights w = random_weights(bench.workload(), dtype);
    bench.progress(std::string(dtype_name(dtype)) + " weights ready");
    for (int64_t rank : ranks) {
      const LoraAdapter a = random_adapter(bench.workload(), rank, 1000 + rank), b = random_adapter(bench.workload(), rank, 2000 + rank);
      for (Method method : methods) {
        try {
          bench_method(bench, w, method, a, b, rank == options.rank);
        } catch (const c10::Error& e) {  // e.g. no float16 baddbmm_ in a CPU LibTorch
          const std::string what = e.what_without_backtrace();
          bench.skipped.push_back({{"method", method_name(method)}, {"dtype", dtype_name(dtype)}, {"rank", rank},
                                   {"reason", what.substr(0, what.find('\n'))}});
          bench.progress(std::string("skipped ") + method_name(method) + " " + dtype_name(dtype) + ": " +
                         what.substr(0, what.find('\n')));
        }
      }
    }
  }

  nlohmann::json j;
  j["bench"] = "lora";
  j["device"] = device.str();
  j["libtorch"] = TORCH_VERSION;
  j["threads"] = at::get_num_threads();
  j["environment"] = bench_environment();
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
  j["skipped"] = bench.skipped;
  j["notes"] = {
      "times: median of the timed repeats (after the warm-up runs), device-synchronised; the first timed run is also the correctness check",
      "bytes: ideal traffic (W read + written, or only written for delta_materialise; float32 factors read once)",
      "floor_ms: bytes / copy_bandwidth (a large copy_ on the same device in the same run)",
      "loop: the library's merge_into/unmerge_from/delta_weight per matrix (float32 accumulation, one rounding; on "
      "CUDA builds with the kernels, merge_into runs the grouped kernel for its one matrix); loop_addmm (CUDA only): "
      "addmm_ per matrix in float32 (through a float32 copy of bf16/fp16 weights); batched: baddbmm_/bmm on the "
      "stacked weights in their dtype, factors stacked inside the timed region; grouped: grouped_merge_ (one CUDA "
      "launch; CUDA only)",
      "interpolate: building interpolate(a, b, 0.5) (rank 2r, factors only); interpolation_merge and "
      "delta_materialise use that prebuilt adapter",
      "max_abs_error: against float64 on the first and last matrix; error_bound: 1 ulp of the largest value for "
      "loop/grouped (float32 accumulation, one rounding; float32 weights: 8 ulps), 4 ulps for batched in bf16/fp16 "
      "(arithmetic in the weights' dtype)"};
  return j;
}

}  // namespace lorastudio
