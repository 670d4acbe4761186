#include "core/bench/generate_bench.h"

#include <sstream>

#include "core/bench/bench_environment.h"
#include "core/bench/bench_timing.h"
#include "core/generator/generation.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// The layout of Cond P-Diff's PixArt-α style LoRAs: 28 blocks × attn1/attn2 × to_q/k/v/out.0, rank 1.
ZooLayout pixart_style_layout() {
  LoraAdapter a;
  for (int b = 0; b < 28; ++b)
    for (const char* attn : {"attn1", "attn2"})
      for (const char* proj : {"to_k", "to_out.0", "to_q", "to_v"}) {
        LoraModule m;
        m.path = "transformer_blocks." + std::to_string(b) + "." + attn + "." + proj;
        m.component = "transformer";
        m.A = torch::zeros({1, 1152});
        m.B = torch::zeros({1152, 1});
        m.alpha = 8;
        a.modules.push_back(m);
      }
  return ZooLayout::from_adapter(a);
}

GeneratorConfig pixart_scale_config(const std::string& denoiser) {
  GeneratorConfig c;
  c.autoencoder.patch = 64;
  c.autoencoder.channels = {128, 256, 256, 256};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 64;
  c.denoiser.kind = denoiser;
  c.denoiser.channels = {128, 256, 512};
  c.denoiser.emb_dim = 512;
  c.condition.kind = "text";
  c.condition.dim = 256;
  return c;
}

int64_t parameters_of(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace

nlohmann::json run_generate_bench(const GenerateBenchOptions& o) {
  const torch::Device device(o.device);
  if (device.is_cuda() && !torch::cuda::is_available()) throw Error("bench generate: no CUDA device is available");
  const int repeats = o.repeats > 0 ? o.repeats : (device.is_cuda() ? 10 : 1);
  torch::manual_seed(0);
  const ZooLayout layout = pixart_style_layout();
  ParameterNormalizer normalizer(NormalizationOptions{});
  normalizer.fit({{"style", torch::randn({4, layout.dim()}) * 0.01}});
  GeneratorTask task;
  task.name = "style";
  task.condition = TaskCondition::from_text("a watercolour painting style");
  ConditionalGenerator g(pixart_scale_config(o.denoiser), layout, normalizer, {task});
  if (!o.save_generator.empty()) g.save(o.save_generator);
  g.to(device);
  g.eval();
  ConditionInput condition;
  condition.text = task.condition.text;

  nlohmann::json results = nlohmann::json::array();
  for (const auto& spec : o.samplers) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) throw Error("bench generate: sampler \"" + spec + "\" must be NAME:STEPS");
    GenerateOptions go;
    go.count = o.count;
    go.sampler = spec.substr(0, colon);
    go.steps = std::stoll(spec.substr(colon + 1));
    go.guidance = o.guidance;
    if (o.progress) o.progress("generating " + std::to_string(o.count) + " adapters with " + spec);
    const int reps = go.steps >= 200 ? 1 : repeats;
    go.cuda_graphs = o.cuda_graphs;
    go.bf16 = device.is_cuda() && o.bf16;
    GeneratedAdapters last;
    const auto generate = [&] {
      last = generate_adapters(g, condition, go);
      if (static_cast<int64_t>(last.adapters.size()) != o.count) throw Error("bench generate: wrong adapter count");
    };
    // The first call of a setting captures its CUDA graphs (and the first of the run initialises the libraries):
    // what a one-shot command pays. Then the steady state.
    const double first = device.is_cuda() ? time_once_ms(generate, device) : 0;
    Timing t = time_repeats(generate, reps, device.is_cuda() ? 1 : 0, device);
    const double first_ms = device.is_cuda() ? first : t.samples_ms.front();
    results.push_back({{"sampler", go.sampler}, {"steps", go.steps}, {"count", o.count}, {"median_ms", t.median_ms},
                       {"min_ms", t.min_ms}, {"max_ms", t.max_ms}, {"repeats", reps}, {"first_call_ms", first_ms},
                       {"ms_per_adapter", t.median_ms / static_cast<double>(o.count)},
                       {"whole_graph", last.whole_graph},
                       {"last_run_breakdown_ms", {{last.whole_graph ? "sampling_and_decode" : "sampling", 1e3 * last.sample_seconds},
                                                  {last.whole_graph ? "copy_to_host" : "decode_and_copy", 1e3 * last.decode_seconds},
                                                  {"adapter_views", 1e3 * last.unflatten_seconds}}}});
  }
  // Ratios within this run: each solver against 1000-step DDPM, and against the measured anchor
  // (Cond P-Diff's own code: 6.7 s for 20 adapters on an H100).
  double ddpm_ms = 0;
  for (const auto& r : results)
    if (r["sampler"] == "ddpm" && r["steps"].get<int64_t>() >= 1000) ddpm_ms = r["median_ms"].get<double>();
  for (auto& r : results) {
    if (ddpm_ms > 0) r["speedup_vs_ddpm1000"] = ddpm_ms / r["median_ms"].get<double>();
    r["speedup_vs_condpdiff_h100_6700ms"] = 6700.0 / r["median_ms"].get<double>();
  }
  std::ostringstream torch_version;
  torch_version << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH;
  return {{"benchmark", "generate"},
          {"device", device.str()},
          {"device_name", device.is_cuda() ? "cuda" : "cpu"},
          {"threads", torch::get_num_threads()},
          {"environment", bench_environment()},
          {"libtorch", torch_version.str()},
          {"bf16_autocast", device.is_cuda() && o.bf16},
          {"cuda_graphs", device.is_cuda() && o.cuda_graphs && CudaGraphRunner::supported()},
          {"count", o.count},
          {"adapter_parameters", layout.dim()},
          {"latent_dim", g.config.autoencoder.latent_dim()},
          {"autoencoder_parameters", parameters_of(*g.autoencoder)},
          {"denoiser", o.denoiser},
          {"denoiser_parameters", parameters_of(*g.denoiser)},
          {"goal_ms", 60.0},
          {"results", results}};
}

}  // namespace lorastudio
