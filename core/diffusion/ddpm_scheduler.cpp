#include "core/diffusion/ddpm_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "core/diffusion/timestep_spacing.h"

namespace lorastudio {

DDPMScheduler::DDPMScheduler(const SchedulerConfig& config) : Scheduler(config) {}

void DDPMScheduler::set_timesteps(int64_t n) {
  timesteps_ = ddpm_timesteps(config_.timestep_spacing, num_train_timesteps(), n, config_.steps_offset);
  reset_state();
}

int64_t DDPMScheduler::previous_timestep(int64_t t) const {
  const int64_t n = timesteps_.empty() ? num_train_timesteps() : num_inference_steps();
  return t - num_train_timesteps() / n;
}

StepOutput DDPMScheduler::step_impl(const torch::Tensor& model_output, int64_t t, const torch::Tensor& sample,
                                    const StepNoise& noise) {
  // diffusers' float32 arithmetic, operation for operation (its coefficients are 0-dim float32 tensors):
  // the goldens grow past |x| = 1000, where only the same rounding stays within 1e-4.
  const int64_t prev_t = previous_timestep(t);
  const float alpha_prod_t = static_cast<float>(schedule_.alpha_cumprod(t));
  const float alpha_prod_t_prev = prev_t >= 0 ? static_cast<float>(schedule_.alpha_cumprod(prev_t)) : 1.0f;
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float current_alpha_t = alpha_prod_t / alpha_prod_t_prev;
  const float current_beta_t = 1.0f - current_alpha_t;

  torch::Tensor x0;
  switch (config_.prediction_type) {
    case PredictionType::Epsilon:
      x0 = (sample - model_output * std::sqrt(beta_prod_t)) / std::sqrt(alpha_prod_t);
      break;
    case PredictionType::Sample: x0 = model_output; break;
    case PredictionType::VPrediction:
      x0 = sample * std::sqrt(alpha_prod_t) - model_output * std::sqrt(beta_prod_t);
      break;
  }
  if (config_.clip_sample) x0 = x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  // Posterior mean (formula 7 of Ho et al.).
  const float x0_coeff = (std::sqrt(alpha_prod_t_prev) * current_beta_t) / beta_prod_t;
  const float sample_coeff = std::sqrt(current_alpha_t) * beta_prod_t_prev / beta_prod_t;
  StepOutput out;
  out.prev_sample = x0 * x0_coeff + sample * sample_coeff;
  if (t > 0) {
    const float variance = std::max((1.0f - alpha_prod_t_prev) / (1.0f - alpha_prod_t) * current_beta_t, 1e-20f);
    const float std_dev = config_.variance_type == VarianceType::FixedLarge ? std::sqrt(current_beta_t)
                                                                             : std::sqrt(variance);
    out.prev_sample = out.prev_sample + draw_noise(noise, sample) * std_dev;
  }
  out.pred_original_sample = std::move(x0);
  return out;
}

}  // namespace lorastudio
