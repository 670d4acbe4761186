#pragma once
// DDIM sampling (Song et al. 2021), as diffusers' DDIMScheduler: formula (12) of the paper with
// σ_t(η) = η·sqrt((1 − ᾱ_prev)/(1 − ᾱ_t))·sqrt(1 − ᾱ_t/ᾱ_prev); η = config().eta (0: deterministic).
#include "core/diffusion/scheduler.h"

namespace lorastudio {

class DDIMScheduler : public Scheduler {
 public:
  explicit DDIMScheduler(const SchedulerConfig& config = scheduler_defaults(SchedulerKind::DDIM));

  SchedulerKind kind() const override { return SchedulerKind::DDIM; }
  std::unique_ptr<Scheduler> clone() const override { return std::make_unique<DDIMScheduler>(*this); }
  void set_timesteps(int64_t num_inference_steps) override;
  bool is_stochastic() const override { return config_.eta > 0; }

  // t − num_train_timesteps / num_inference_steps (negative past the end: ᾱ_prev is then final_alpha_cumprod).
  int64_t previous_timestep(int64_t t) const;
  // ᾱ used past the last step: 1 when set_alpha_to_one, else ᾱ_0.
  double final_alpha_cumprod() const;

 protected:
  StepOutput step_impl(const torch::Tensor& model_output, int64_t t, const torch::Tensor& sample,
                       const StepNoise& noise) override;
};

}  // namespace lorastudio
