#include "core/diffusion/scheduler.h"

#include <torch/torch.h>

#include "core/diffusion/ddim_scheduler.h"
#include "core/diffusion/ddpm_scheduler.h"
#include "core/diffusion/dpm_solver_scheduler.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

std::string shape_string(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

torch::ScalarType compute_dtype(const torch::Tensor& sample) {
  return sample.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
}

}  // namespace

Scheduler::Scheduler(SchedulerConfig config) : config_(std::move(config)), schedule_(config_) {
  if (config_.clip_sample && !(config_.clip_sample_range > 0))
    throw Error("scheduler config: clip_sample_range must be positive");
}

StepOutput Scheduler::step(const torch::Tensor& model_output, int64_t timestep, const torch::Tensor& sample,
                           const StepNoise& noise) {
  if (timesteps_.empty()) throw Error("scheduler step: call set_timesteps before step");
  if (!model_output.defined() || !sample.defined()) throw Error("scheduler step: undefined tensor");
  if (!at::isFloatingType(sample.scalar_type()) || !at::isFloatingType(model_output.scalar_type()))
    throw Error("scheduler step: sample and model output must be floating point");
  if (model_output.sizes() != sample.sizes())
    throw Error("scheduler step: model output " + shape_string(model_output) + " does not match the sample " +
                shape_string(sample));
  if (timestep < 0 || timestep >= num_train_timesteps())
    throw Error("scheduler step: timestep " + std::to_string(timestep) + " is outside [0, " +
                std::to_string(num_train_timesteps()) + ")");
  if (noise.noise.defined() && noise.noise.sizes() != sample.sizes())
    throw Error("scheduler step: noise " + shape_string(noise.noise) + " does not match the sample " +
                shape_string(sample));
  const auto dtype = compute_dtype(sample);
  StepOutput out = step_impl(model_output.to(dtype), timestep, sample.to(dtype), noise);
  out.prev_sample = out.prev_sample.to(sample.scalar_type());
  out.pred_original_sample = out.pred_original_sample.to(sample.scalar_type());
  return out;
}

torch::Tensor Scheduler::draw_noise(const StepNoise& noise, const torch::Tensor& like) {
  if (noise.noise.defined()) return noise.noise.to(like.device(), like.scalar_type());
  const auto options = torch::TensorOptions().dtype(like.scalar_type());
  if (noise.generator.has_value() && noise.generator->device().type() != like.device().type()) {
    if (!noise.generator->device().is_cpu())
      throw Error("scheduler step: a " + noise.generator->device().str() + " generator cannot make noise for a " +
                  like.device().str() + " sample");
    const torch::Tensor host = torch::randn(like.sizes(), noise.generator, options.device(torch::kCPU));
    // From pinned memory the copy is asynchronous: no host sync per step on CUDA.
    if (!like.is_cuda()) return host.to(like.device());
    return host.pin_memory().to(torch::TensorOptions().device(like.device()), /*non_blocking=*/true);
  }
  return torch::randn(like.sizes(), noise.generator, options.device(like.device()));
}

std::unique_ptr<Scheduler> make_scheduler(SchedulerKind kind, const SchedulerConfig& config) {
  switch (kind) {
    case SchedulerKind::DDPM: return std::make_unique<DDPMScheduler>(config);
    case SchedulerKind::DDIM: return std::make_unique<DDIMScheduler>(config);
    case SchedulerKind::DPMSolverMultistep: return std::make_unique<DPMSolverMultistepScheduler>(config);
  }
  throw Error("make_scheduler: unknown scheduler kind");
}

std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const SchedulerConfig& config) {
  return make_scheduler(parse_scheduler_kind(name), config);
}

}  // namespace lorastudio
