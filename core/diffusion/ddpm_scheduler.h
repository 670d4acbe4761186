#pragma once
// Ancestral DDPM sampling (Ho et al. 2020), as diffusers' DDPMScheduler: from x_t, the posterior mean of
// q(x_prev | x_t, x0_pred) plus its noise (fixed_small variance by default), where prev = t − T / n.
#include "core/diffusion/scheduler.h"

namespace lorastudio {

class DDPMScheduler : public Scheduler {
 public:
  explicit DDPMScheduler(const SchedulerConfig& config = scheduler_defaults(SchedulerKind::DDPM));

  SchedulerKind kind() const override { return SchedulerKind::DDPM; }
  std::unique_ptr<Scheduler> clone() const override { return std::make_unique<DDPMScheduler>(*this); }
  void set_timesteps(int64_t num_inference_steps) override;
  bool is_stochastic() const override { return true; }

  // diffusers' previous_timestep: t − num_train_timesteps / num_inference_steps (negative past the end).
  int64_t previous_timestep(int64_t t) const;

 protected:
  StepOutput step_impl(const torch::Tensor& model_output, int64_t t, const torch::Tensor& sample,
                       const StepNoise& noise) override;
};

}  // namespace lorastudio
