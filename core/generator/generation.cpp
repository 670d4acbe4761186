#include "core/generator/generation.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "core/diffusion/sampler.h"
#include "core/generator/autocast_guard.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {
namespace {

// What turns a final latent into parameters, resident on the generator's device (moved once per call, so
// that the decode can run inside a captured graph).
struct DecodePlan {
  torch::Tensor mean, std;  // normalisation statistics of the task (0-d or [D])
  torch::Tensor unbalance;  // [D] float64 1/scale per coordinate; undefined for the identity balance
};

// Built once per task and device, then kept in the generator.
DecodePlan decode_plan(ConditionalGenerator& g, const std::string& task, torch::Device device) {
  std::vector<torch::Tensor>& cached = g.decode_tensors[task];
  if (cached.empty() || cached[0].device() != device) {
    const torch::Tensor scales = g.layout.unbalance_scales();
    cached = {g.normalizer.mean(task).to(device, torch::kFloat), g.normalizer.stddev(task).to(device, torch::kFloat),
              scales.defined() ? scales.to(device) : torch::Tensor()};
  }
  return {cached[0], cached[1], cached[2]};
}

// Latent [N, C, L] -> denormalised flat parameters [N, D] (the zoo's space), float32 on the latent's device.
// In float32 even under bf16 autocast: these are the weights the user gets.
torch::Tensor decode_latent(ConditionalGenerator& g, const torch::Tensor& latent, const DecodePlan& p) {
  AutocastSuspend fp32;
  const torch::Tensor x = g.autoencoder->decode((latent / g.latent_scale).to(torch::kFloat));
  return x.to(torch::kFloat) * p.std + p.mean;  // ParameterNormalizer::decode's z·std + mean
}

// A device tensor copied into page-locked host memory (one DMA), or a CPU tensor as it is.
torch::Tensor to_host(const torch::Tensor& t) {
  if (!t.is_cuda()) return t.contiguous();
  torch::Tensor host = torch::empty(t.sizes(), t.options().device(torch::kCPU).pinned_memory(true));
  host.copy_(t, /*non_blocking=*/true);
  return host;
}

void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

bool deterministic_sampler(const GenerateOptions& o) {
  return o.sampler == "dpmpp" || (o.sampler == "ddim" && o.eta == 0.0);
}

// What the whole-generation graph bakes in beyond its inputs (the task's statistics are inputs).
std::string pipeline_key(const GenerateOptions& o) {
  std::ostringstream s;
  s << "pipeline|" << o.sampler << '|' << o.steps << '|' << o.guidance << '|' << o.eta;
  return s.str();
}

// NaN or Inf in the output is an error, never a file: say how many adapters and which module is hit first.
void require_finite_output(const torch::Tensor& params, const ZooLayout& layout) {
  const torch::Tensor bad_rows = (~torch::isfinite(params)).any(1);
  const int64_t bad = bad_rows.sum().item<int64_t>();
  if (bad == 0) return;
  const int64_t row = bad_rows.nonzero()[0][0].item<int64_t>();
  const int64_t column = (~torch::isfinite(params[row])).nonzero()[0][0].item<int64_t>();
  throw Error("generate: the generator produced NaN or Inf values in " + std::to_string(bad) + " of " +
              std::to_string(params.size(0)) + " adapters (first in module " + layout.module_of(column) +
              "); nothing was written. Check the guidance scale and the generator's training log");
}

}  // namespace

void read_sampling(const JsonReader& r, GenerateOptions& o) {
  r.read("sampler", o.sampler, {"ddim", "ddpm", "dpmpp"});
  r.read("steps", o.steps, 1, 1000);
  r.read("guidance", o.guidance, 0.0, kMaxGuidance);
}

nlohmann::json sampling_json(const GenerateOptions& o) {
  return {{"sampler", o.sampler}, {"steps", o.steps}, {"guidance", o.guidance}};
}

void validate_generate_options(const GenerateOptions& o, int64_t train_timesteps) {
  if (o.count < 1 || o.count > kMaxGenerateCount)
    throw Error("generate: the number of adapters must be 1 to " + std::to_string(kMaxGenerateCount) + " (got " + std::to_string(o.count) + ")");
  if (o.sampler != "ddpm" && o.sampler != "ddim" && o.sampler != "dpmpp")
    throw Error("generate: unknown sampler \"" + o.sampler + "\" (ddpm, ddim or dpmpp)");
  if (o.steps < 1 || o.steps > train_timesteps)
    throw Error("generate: steps must be 1 to " + std::to_string(train_timesteps) + " (the training schedule's length), got " +
                std::to_string(o.steps));
  if (!std::isfinite(o.guidance) || o.guidance < 0 || o.guidance > kMaxGuidance)
    throw Error("generate: the guidance scale must be a finite number from 0 to " + std::to_string(int(kMaxGuidance)) + " (got " +
                std::to_string(o.guidance) + ")");
  if (!std::isfinite(o.eta) || o.eta < 0 || o.eta > 1) throw Error("generate: eta must be from 0 to 1");
  if (o.step_data_every < 0) throw Error("generate: step_data_every must be 0 (none) or more");
}

GeneratedAdapters generate_adapters(ConditionalGenerator& g, const ConditionInput& condition,
                                    const GenerateOptions& o, const GenerationCallback& on_step) {
  validate_generate_options(o, g.config.noise.value("num_train_timesteps", int64_t(1000)));
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  torch::InferenceMode inference;  // thread-local: set where the work runs
  AutocastGuard bf16(o.bf16 && g.device().is_cuda());
  GeneratedAdapters out;
  out.task = o.task;
  const bool blend = condition.is_blend() && condition.towards_weight != 1;
  if (out.task.empty() && condition.is_blend() && !blend)
    return generate_adapters(g, *condition.towards, o, on_step);  // all the way: the other condition itself
  if (out.task.empty() && !blend) out.task = g.task_for_text(condition.text);
  if (out.task.empty() && !blend && condition.image.defined()) out.task = g.task_for_image(condition.image);
  if (out.task.empty() && !blend && condition.task_index >= 0 && condition.task_index < static_cast<int64_t>(g.tasks.size()))
    out.task = g.tasks[static_cast<size_t>(condition.task_index)].name;
  if (!g.normalizer.can_normalize(out.task))
    throw Error(out.task.empty()
                    ? "generate: the condition matches no training task, and the generator's normalisation ('" +
                          std::string(normalization_mode_name(g.normalizer.options().mode)) +
                          "') cannot decode unseen tasks; pass --task NAME or train with global normalisation"
                    : "generate: no normalisation statistics for task \"" + out.task + "\"");
  const torch::Device device = g.device();
  const int64_t n = o.count;
  const DecodePlan plan = decode_plan(g, out.task, device);
  torch::Tensor features = g.condition_encoder->encode({condition}).to(device);
  if (blend) {
    const double w = condition.towards_weight;
    features = features * (1 - w) + g.condition_encoder->encode({*condition.towards}).to(device) * w;
  }
  const torch::Tensor uncond = g.denoiser->null_condition().unsqueeze(0).expand({n, features.size(1)});
  torch::Generator gen = torch::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto shape = std::vector<int64_t>{n, g.config.autoencoder.latent_channels, g.config.autoencoder.latent_length};
  const torch::Tensor x_T = torch::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat)).to(device);
  const bool graphs = o.cuda_graphs && device.is_cuda() && CudaGraphRunner::supported();

  auto eager = [&g](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) { return g.denoiser->forward(x, t, c); };
  // A final latent -> {flat parameters [N, D], unbalanced ones when the balance is not the identity}.
  auto decode_outputs = [&g](const torch::Tensor& latent, const DecodePlan& p) {
    std::vector<torch::Tensor> outs{decode_latent(g, latent, p)};
    if (p.unbalance.defined()) outs.push_back(g.layout.unbalance(outs[0], p.unbalance));
    return outs;
  };

  std::vector<torch::Tensor> device_outputs;
  if (graphs && !on_step && deterministic_sampler(o)) {
    // The whole generation as one captured graph: every step with its scheduler arithmetic, the decoder and
    // the denormalisation replay from one launch. (Stochastic samplers draw host noise per step; step
    // callbacks need the host per step: those take the per-step path below.)
    // Everything of this call's that the graph reads is an input (copied into the graph's own buffers at
    // each replay): a tensor merely captured by address would be freed after this call.
    const CudaGraphRunner::Fn pipeline = [&](const std::vector<torch::Tensor>& in) {
      const torch::Tensor cond = in[1].expand({n, in[1].size(1)});
      const DecodePlan static_plan{in[2], in[3], in.size() > 4 ? in[4] : torch::Tensor()};
      auto scheduler = g.config.make_sampler_scheduler(o.sampler, o.eta);
      const SampleResult r = run_sampler(*scheduler, guided_denoiser(eager, cond, uncond, o.guidance), in[0], o.steps);
      return decode_outputs(r.sample, static_plan);
    };
    std::vector<torch::Tensor> inputs{x_T, features, plan.mean, plan.std};
    if (plan.unbalance.defined()) inputs.push_back(plan.unbalance);
    device_outputs = g.graphs->run(pipeline_key(o), pipeline, inputs, &out.whole_graph);
    synchronize(device);
    out.sample_seconds = elapsed();
  } else {
    ConditionalDenoiser net = eager;
    if (graphs)
      net = [&g, eager](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) { return g.graphs->run(eager, x, t, c); };
    const torch::Tensor cond = features.expand({n, features.size(1)});
    auto scheduler = g.config.make_sampler_scheduler(o.sampler, o.eta);
    StepCallback cb;
    if (on_step) {
      cb = [&](const SampleStep& s) {
        GenerationStep step;
        step.index = s.index;
        step.total = s.total;
        step.timestep = s.timestep;
        const int k = o.step_data_every;
        if (k > 0 && ((s.index + 1) % k == 0 || s.index + 1 == s.total)) {
          step.x_t = s.x_t.to(torch::kCPU, torch::kFloat).clone();
          step.x0_latent = s.x0_pred.to(torch::kCPU, torch::kFloat).clone();
          if (o.decode_steps) step.x0_params = decode_latent(g, s.x0_pred, plan).cpu();
        }
        return on_step(step);
      };
    }
    const SampleResult r = run_sampler(*scheduler, guided_denoiser(net, cond, uncond, o.guidance), x_T, o.steps, cb, gen);
    out.cancelled = r.cancelled;
    if (r.cancelled) return out;
    synchronize(device);
    out.sample_seconds = elapsed();
    device_outputs = decode_outputs(r.sample, plan);
  }

  // One page-locked copy per output, then adapters as views of the rows (no per-module copies).
  // NaN or Inf is caught where the output is (one reduction on the device), detailed on the host only then.
  if (!torch::isfinite(device_outputs[0]).all().item<bool>()) require_finite_output(device_outputs[0].cpu(), g.layout);
  std::vector<torch::Tensor> host;
  for (const auto& t : device_outputs) host.push_back(to_host(t));
  synchronize(device);
  out.decode_seconds = elapsed() - out.sample_seconds;
  out.params = host[0];
  const torch::Tensor& unbalanced = host.size() > 1 ? host[1] : host[0];
  out.adapters.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.adapters.push_back(g.layout.adapter_view(unbalanced[i]));
  out.seconds = elapsed();
  out.unflatten_seconds = out.seconds - out.sample_seconds - out.decode_seconds;
  return out;
}

}  // namespace lorastudio
