// lora-studio-cli bench NAME [OPTIONS]: benchmarks with a readable summary and JSON results.
// The benchmarks form a table (name, summary, runner); `bench generate` joins it later.
#include <cstring>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/arg_parser.h"
#include "app/cli/device_option.h"
#include "app/cli/cli_output.h"
#include "app/cli/bench_options.h"
#include "app/cli/commands.h"
#include "core/bench/generate_bench.h"
#include "core/bench/train_bench.h"
#include "core/bench/lora_bench.h"
#include "core/util/atomic_file.h"

namespace lorastudio::cli {
namespace {

void print_lora_summary(const nlohmann::json& j) {
  std::cout << "LoRA merge benchmark: " << j["model"]["matrices"].get<int64_t>() << " matrices of "
            << j["model"]["shape"][0].get<int64_t>() << "x" << j["model"]["shape"][1].get<int64_t>() << " on "
            << j["device"].get<std::string>() << " (" << j["threads"].get<int>() << " threads, LibTorch "
            << j["libtorch"].get<std::string>() << "), median of " << j["repeats"].get<int>() << " repeats\n"
            << "copy bandwidth (floor): " << format_double(j["copy_bandwidth_gb_per_s"].get<double>(), 4) << " GB/s\n\n";
  const bool cuda = j.contains("issue_floor_ms");
  std::cout << pad_right("dtype", 10) << pad_right("rank", 6) << pad_right("operation", 21) << pad_right("method", 9)
            << pad_right("median ms", 12) << pad_right("GB/s", 9) << pad_right("x floor", 9)
            << (cuda ? pad_right("x 0.4ms", 9) : "") << "max abs err (bound)\n";
  for (const auto& r : j["results"]) {
    std::cout << pad_right(r["dtype"].get<std::string>(), 10) << pad_right(std::to_string(r["rank"].get<int64_t>()), 6)
              << pad_right(r["operation"].get<std::string>(), 21) << pad_right(r["method"].get<std::string>(), 9)
              << pad_right(format_double(r["median_ms"].get<double>(), 4), 12)
              << pad_right(format_double(r["gb_per_s"].get<double>(), 3), 9)
              << pad_right(format_double(r["ratio_to_floor"].get<double>(), 3), 9);
    if (cuda)
      std::cout << pad_right(r.contains("ratio_to_issue_floor") ? format_double(r["ratio_to_issue_floor"].get<double>(), 3) : "-", 9);
    std::cout << format_double(r["max_abs_error"].get<double>(), 2) << " (" << format_double(r["error_bound"].get<double>(), 2)
              << ")" << (r["correct"].get<bool>() ? "" : "  WRONG") << "\n";
  }
  for (const auto& s : j["skipped"])
    std::cout << "skipped: " << s["method"].get<std::string>() << " " << s["dtype"].get<std::string>() << " rank "
              << s["rank"].get<int64_t>() << " (" << s["reason"].get<std::string>() << ")\n";
  std::cout << "\n" << (j["all_correct"].get<bool>() ? "all results within their error bounds" : "SOME RESULTS ARE WRONG")
            << "\n";
}

int run_lora_bench_command(int argc, char** argv) {
  ArgParser p("bench lora",
              "Merge, unmerge, interpolation-merge and ΔW materialisation on PixArt-α XL attention weights\n"
              "(28 blocks x 8 matrices of 1152x1152): per-matrix loop, batched baddbmm_, grouped CUDA kernel.");
  p.option("--device", "DEVICE", "cpu or cuda", "cpu")
      .option("--rank", "N", "LoRA rank (the interpolation has rank 2N)", "4")
      .option("--repeats", "N", "timed repeats per measurement (default: cpu 2, cuda 20)")
      .option("--warmup", "N", "untimed runs before timing (default: cpu 0, cuda 3)")
      .option("--dtypes", "LIST", "weight dtypes, comma-separated: float32, bfloat16, float16", "float32,bfloat16")
      .option("--blocks", "N", "transformer blocks (8 attention matrices each)", "28")
      .option("--hidden", "N", "hidden size (each matrix is N x N)", "1152")
      .flag("--no-rank1", "skip the extra rank-1 merge measurements")
      .flag("--quiet", "no progress lines on stderr")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;

  LoraBenchOptions options;
  options.device = device_option(p).is_cuda() ? "cuda" : "cpu";
  options.rank = p.get_int("--rank", 1, 4096);
  if (p.has("--repeats")) options.repeats = static_cast<int>(p.get_int("--repeats", 1, 100000));
  if (p.has("--warmup")) options.warmup = static_cast<int>(p.get_int("--warmup", 0, 100000));
  options.dtypes = split_commas(p.get("--dtypes"));
  if (options.dtypes.empty()) throw UsageError("--dtypes: no dtype given");
  options.also_rank1 = !p.has("--no-rank1");
  options.blocks = p.get_int("--blocks", 1, 1000);
  options.hidden = p.get_int("--hidden", 1, 65536);
  options.progress = progress_option(p);

  const nlohmann::json result = run_lora_bench(options);
  print_lora_summary(result);
  write_json_option(p, result);
  return result["all_correct"].get<bool>() ? 0 : 1;
}

int run_generate_bench_command(int argc, char** argv) {
  ArgParser p("bench generate",
              "Time to generate N adapters end to end at Cond P-Diff's PixArt style-LoRA scale (516,096 parameters\n"
              "per adapter, 256-d latent), few-step solvers next to 1000-step DDPM in the same run.");
  p.option("--device", "DEVICE", "cpu or cuda", "cpu")
      .option("-n", "N", "adapters per generation", "20")
      .option("--samplers", "LIST", "NAME:STEPS, comma-separated", "ddim:25,dpmpp:25,dpmpp:10,ddpm:1000")
      .option("--repeats", "N", "timed repeats (default: cpu 1, cuda 10)")
      .option("--denoiser", "KIND", "unet or transformer", "unet")
      .flag("--fp32", "no bf16 autocast on CUDA")
      .flag("--no-graphs", "no CUDA graphs (eager denoiser calls)")
      .flag("--quiet", "no progress lines on stderr")
      .option("--save-generator", "DIR", "also save the benchmark's (random) generator there, to time 'generate' on it")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;
  GenerateBenchOptions o;
  o.save_generator = p.get("--save-generator");
  o.device = device_option(p).is_cuda() ? "cuda" : "cpu";
  o.count = p.get_int("-n", 1, 4096);
  o.samplers = split_commas(p.get("--samplers"));
  if (p.has("--repeats")) o.repeats = static_cast<int>(p.get_int("--repeats", 1, 100000));
  o.denoiser = p.get_choice("--denoiser", {"unet", "transformer"});
  o.bf16 = !p.has("--fp32");
  o.cuda_graphs = !p.has("--no-graphs");
  o.progress = progress_option(p);
  const nlohmann::json j = run_generate_bench(o);
  std::cout << "generate benchmark: " << j["count"] << " adapters of " << format_count(j["adapter_parameters"].get<int64_t>())
            << " parameters via a " << j["latent_dim"] << "-d latent on " << j["device"].get<std::string>()
            << (j["bf16_autocast"].get<bool>() ? " (bf16 autocast)" : "") << (j["cuda_graphs"].get<bool>() ? " (CUDA graphs)" : "")
            << "; autoencoder "
            << format_count(j["autoencoder_parameters"].get<int64_t>()) << ", " << j["denoiser"].get<std::string>()
            << " denoiser " << format_count(j["denoiser_parameters"].get<int64_t>()) << " parameters\n\n"
            << pad_right("sampler", 10) << pad_right("steps", 8) << pad_right("median ms", 12) << pad_right("ms/adapter", 12)
            << pad_right("vs DDPM-1000", 14) << "vs Cond P-Diff (6.7 s)\n";
  for (const auto& r : j["results"])
    std::cout << pad_right(r["sampler"].get<std::string>(), 10) << pad_right(std::to_string(r["steps"].get<int64_t>()), 8)
              << pad_right(format_double(r["median_ms"].get<double>(), 4), 12)
              << pad_right(format_double(r["ms_per_adapter"].get<double>(), 3), 12)
              << pad_right(r.contains("speedup_vs_ddpm1000") ? format_double(r["speedup_vs_ddpm1000"].get<double>(), 3) + "x" : "-", 14)
              << format_double(r["speedup_vs_condpdiff_h100_6700ms"].get<double>(), 4) << "x\n";
  write_json_option(p, j);
  return 0;
}

int run_train_bench_command(int argc, char** argv) {
  ArgParser p("bench train",
              "Steps per second of both stages of generator training (autoencoder, latent diffusion) on a zoo of\n"
              "random adapters (4 tasks x 16 checkpoints; 8 modules of 768x768 at rank 4 = 49,152 parameters).");
  p.option("--device", "DEVICE", "cpu or cuda", "cpu")
      .option("--steps", "N", "steps per stage", "60")
      .option("--batch", "N", "batch size of both stages", "32")
      .option("--modules", "N", "LoRA modules per adapter (768x768, rank 4)", "8")
      .flag("--fp32", "no bf16 autocast on CUDA")
      .flag("--quiet", "no progress lines on stderr")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;
  TrainBenchOptions o;
  o.device = device_option(p).is_cuda() ? "cuda" : "cpu";
  o.steps = p.get_int("--steps", 1, 1000000);
  o.batch = p.get_int("--batch", 1, 4096);
  o.modules = p.get_int("--modules", 1, 4096);
  o.bf16 = !p.has("--fp32");
  o.progress = progress_option(p);
  const nlohmann::json j = run_train_bench(o);
  std::cout << "train benchmark: " << format_count(j["adapter_parameters"].get<int64_t>()) << " parameters per adapter, batch "
            << j["batch"] << ", on " << j["device"].get<std::string>() << "\n\n"
            << pad_right("stage", 14) << pad_right("steps/s", 12) << "s per 1000 steps\n";
  for (const auto& [stage, r] : j["stages"].items())
    std::cout << pad_right(stage, 14) << pad_right(format_double(r["steps_per_second"].get<double>(), 4), 12)
              << format_double(r["seconds_per_1000_steps"].get<double>(), 4) << "\n";
  write_json_option(p, j);
  return 0;
}

struct Benchmark {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

const Benchmark kBenchmarks[] = {
    {"lora", "merge/unmerge/interpolation throughput on PixArt-α attention weights", run_lora_bench_command},
    {"generate", "time to generate N adapters at Cond P-Diff's PixArt scale", run_generate_bench_command},
    {"train", "steps per second of both stages of generator training", run_train_bench_command},
    {"embed", "t-SNE against scikit-learn (time, KL) and the live embedding's frame rate", run_embed_bench_command},
    {"preview", "the interpolation panel's λ preview updates per second (style demo)", run_preview_bench_command},
    {"encoder", "a BERT-base-sized encoder's forward pass per dtype, beside transformers", run_encoder_bench_command},
};

std::string available_names() {
  std::string s;
  for (const auto& b : kBenchmarks) s += (s.empty() ? "" : ", ") + std::string(b.name);
  return s;
}

void print_bench_help() {
  std::cout << "Usage: lora-studio-cli bench NAME [OPTIONS]\n\nBenchmarks, printed as a summary and written as JSON "
               "(--json FILE).\n\nBenchmarks:\n";
  for (const auto& b : kBenchmarks) std::cout << "  " << pad_right(b.name, 12) << b.summary << "\n";
  std::cout << "\nRun 'lora-studio-cli bench NAME --help' for a benchmark's options.\n";
}

}  // namespace

int run_bench(int argc, char** argv) {
  if (argc < 1) {
    print_bench_help();
    return 2;
  }
  const std::string name = argv[0];
  if (name == "--help" || name == "-h") {
    print_bench_help();
    return 0;
  }
  for (const auto& b : kBenchmarks)
    if (name == b.name) return b.run(argc - 1, argv + 1);
  throw UsageError("unknown benchmark '" + name + "' (available: " + available_names() + ")");
}

}  // namespace lorastudio::cli
