#include "core/diffusion/ddim_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "core/diffusion/timestep_spacing.h"
#include "core/util/error.h"

namespace lorastudio {

DDIMScheduler::DDIMScheduler(const SchedulerConfig& config) : Scheduler(config) {
  if (!(config_.eta >= 0)) throw Error("scheduler config: eta must be >= 0");
}

void DDIMScheduler::set_timesteps(int64_t n) {
  timesteps_ = ddpm_timesteps(config_.timestep_spacing, num_train_timesteps(), n, config_.steps_offset);
  reset_state();
}

int64_t DDIMScheduler::previous_timestep(int64_t t) const {
  return t - num_train_timesteps() / std::max<int64_t>(num_inference_steps(), 1);
}

double DDIMScheduler::final_alpha_cumprod() const {
  return config_.set_alpha_to_one ? 1.0 : schedule_.alpha_cumprod(0);
}

StepOutput DDIMScheduler::step_impl(const torch::Tensor& model_output, int64_t t, const torch::Tensor& sample,
                                    const StepNoise& noise) {
  // diffusers' float32 arithmetic, operation for operation (its coefficients are 0-dim float32 tensors):
  // the goldens grow past |x| = 1000, where only the same rounding stays within 1e-4.
  const int64_t prev_t = previous_timestep(t);
  const float alpha_prod_t = static_cast<float>(schedule_.alpha_cumprod(t));
  const float alpha_prod_t_prev = static_cast<float>(prev_t >= 0 ? schedule_.alpha_cumprod(prev_t)
                                                                 : final_alpha_cumprod());
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float sqrt_a = std::sqrt(alpha_prod_t), sqrt_b = std::sqrt(beta_prod_t);

  torch::Tensor x0, eps;
  switch (config_.prediction_type) {
    case PredictionType::Epsilon:
      x0 = (sample - model_output * sqrt_b) / sqrt_a;
      eps = model_output;
      break;
    case PredictionType::Sample:
      x0 = model_output;
      eps = (sample - x0 * sqrt_a) / sqrt_b;
      break;
    case PredictionType::VPrediction:
      x0 = sample * sqrt_a - model_output * sqrt_b;
      eps = model_output * sqrt_a + sample * sqrt_b;
      break;
  }
  if (config_.clip_sample) x0 = x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  // σ_t(η) of formula (16); ε is never re-derived from a clipped x0 (use_clipped_model_output off).
  const float variance = (beta_prod_t_prev / beta_prod_t) * (1.0f - alpha_prod_t / alpha_prod_t_prev);
  const float std_dev = static_cast<float>(config_.eta) * std::sqrt(variance);
  const float direction = std::sqrt(std::max(1.0f - alpha_prod_t_prev - std_dev * std_dev, 0.0f));

  StepOutput out;
  out.prev_sample = x0 * std::sqrt(alpha_prod_t_prev) + eps * direction;
  if (config_.eta > 0) out.prev_sample = out.prev_sample + draw_noise(noise, sample) * std_dev;
  out.pred_original_sample = std::move(x0);
  return out;
}

}  // namespace lorastudio
