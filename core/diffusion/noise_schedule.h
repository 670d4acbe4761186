#pragma once
// The discrete variance-preserving noise schedule of a diffusion model: β_t, α_t = 1 − β_t and
// ᾱ_t = Π α_s, for t = 0 … num_train_timesteps − 1, bit for bit as diffusers builds them with PyTorch 2 on the
// CPU (float32 linspace, cumprod accumulated in double; computed here, not by LibTorch, whose linspace rounds
// differently across versions), plus the forward process q(x_t | x_0) used by training.
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "core/diffusion/scheduler_config.h"

namespace lorastudio {

class NoiseSchedule {
 public:
  // From num_train_timesteps, beta_start, beta_end, beta_schedule and trained_betas; throws Error when
  // they make no schedule (no timesteps, betas outside (0, 1), trained_betas of the wrong size).
  explicit NoiseSchedule(const SchedulerConfig& config);

  int64_t num_train_timesteps() const { return static_cast<int64_t>(alphas_cumprod_host_.size()); }

  // float32 CPU tensors [num_train_timesteps], as diffusers holds them.
  const torch::Tensor& betas() const { return betas_; }
  const torch::Tensor& alphas() const { return alphas_; }
  const torch::Tensor& alphas_cumprod() const { return alphas_cumprod_; }

  // ᾱ_t as a host double (the float32 value, widened); t must be in [0, num_train_timesteps).
  double alpha_cumprod(int64_t t) const;

  // q(x_t | x_0): sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·noise, with t an integer tensor [B] (or a scalar) on any
  // device; computed in float32 (float64 stays float64), returned in x0's dtype, on x0's device.
  torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const;
  // The v-prediction target: sqrt(ᾱ_t)·noise − sqrt(1 − ᾱ_t)·x0.
  torch::Tensor get_velocity(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const;

 private:
  // sqrt(ᾱ_t) and sqrt(1 − ᾱ_t) gathered at t, shaped [B, 1, …] to broadcast against `like`.
  std::pair<torch::Tensor, torch::Tensor> coefficients(const torch::Tensor& t, const torch::Tensor& like) const;

  torch::Tensor betas_, alphas_, alphas_cumprod_;
  std::vector<double> alphas_cumprod_host_;
};

}  // namespace lorastudio
