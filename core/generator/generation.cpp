#include "core/generator/generation.h"

#include <chrono>

#include "core/diffusion/sampler.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// Latent [N, C, L] -> denormalised flat parameters [N, D].
torch::Tensor decode_latent(ConditionalGenerator& g, const torch::Tensor& latent, const std::string& task) {
  torch::Tensor z = latent / g.latent_scale;
  torch::Tensor x = g.autoencoder->decode(z.to(torch::kFloat));
  return g.normalizer.decode(task, x.cpu());
}

}  // namespace

GeneratedAdapters generate_adapters(ConditionalGenerator& g, const ConditionInput& condition,
                                    const GenerateOptions& o, const GenerationCallback& on_step) {
  if (o.count <= 0) throw Error("generate: the number of adapters must be positive");
  if (o.steps <= 0) throw Error("generate: the number of steps must be positive");
  const auto start = std::chrono::steady_clock::now();
  torch::InferenceMode inference;  // thread-local: set where the work runs
  GeneratedAdapters out;
  out.task = o.task.empty() ? g.task_for_text(condition.text) : o.task;
  if (out.task.empty() && condition.task_index >= 0 && condition.task_index < static_cast<int64_t>(g.tasks.size()))
    out.task = g.tasks[static_cast<size_t>(condition.task_index)].name;
  if (!g.normalizer.can_normalize(out.task))
    throw Error(out.task.empty()
                    ? "generate: the condition matches no training task, and the generator's normalisation ('" +
                          std::string(normalization_mode_name(g.normalizer.options().mode)) +
                          "') cannot decode unseen tasks; pass --task NAME or train with global normalisation"
                    : "generate: no normalisation statistics for task \"" + out.task + "\"");
  const torch::Device device = g.device();
  const int64_t n = o.count;
  torch::Tensor features = g.condition_encoder->encode({condition}).to(device);
  torch::Tensor cond = features.expand({n, features.size(1)});
  torch::Tensor uncond = g.denoiser->null_condition().unsqueeze(0).expand({n, features.size(1)});
  auto eager = [&g](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) { return g.denoiser->forward(x, t, c); };
  ConditionalDenoiser net = eager;
  if (o.cuda_graphs && device.is_cuda() && CudaGraphRunner::supported())
    net = [&g, eager](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) { return g.graphs->run(eager, x, t, c); };
  Denoiser denoise = guided_denoiser(net, cond, uncond, o.guidance);

  auto scheduler = g.config.make_sampler_scheduler(o.sampler, o.eta);
  torch::Generator gen = torch::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto shape = std::vector<int64_t>{n, g.config.autoencoder.latent_channels, g.config.autoencoder.latent_length};
  torch::Tensor x_T = torch::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat)).to(device);
  StepCallback cb;
  if (on_step) {
    cb = [&](const SampleStep& s) {
      GenerationStep step;
      step.index = s.index;
      step.total = s.total;
      step.timestep = s.timestep;
      step.x_t = s.x_t.to(torch::kCPU, torch::kFloat).clone();
      step.x0_latent = s.x0_pred.to(torch::kCPU, torch::kFloat).clone();
      if (o.decode_steps) step.x0_params = decode_latent(g, s.x0_pred, out.task);
      return on_step(step);
    };
  }
  SampleResult r = run_sampler(*scheduler, denoise, x_T, o.steps, cb, gen);
  out.cancelled = r.cancelled;
  if (r.cancelled) return out;
  auto elapsed = [&start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (device.is_cuda()) torch::cuda::synchronize();
  out.sample_seconds = elapsed();
  out.params = decode_latent(g, r.sample, out.task).to(torch::kFloat).contiguous();
  out.decode_seconds = elapsed() - out.sample_seconds;
  for (int64_t i = 0; i < n; ++i) out.adapters.push_back(g.layout.unflatten(out.params[i]));
  out.seconds = elapsed();
  out.unflatten_seconds = out.seconds - out.sample_seconds - out.decode_seconds;
  return out;
}

}  // namespace lorastudio
