#pragma once
// Everything that defines a generator and how it is trained: the `train --config CFG` file.
#include <string>

#include <nlohmann/json.hpp>

#include "core/diffusion/scheduler.h"
#include "core/generator/condition_encoder.h"
#include "core/generator/latent_denoiser.h"
#include "core/generator/param_autoencoder.h"
#include "core/zoo/normalization.h"

namespace lorastudio {

struct TrainConfig {
  // stage 1: parameter autoencoder
  int64_t ae_steps = 2000;
  int64_t ae_batch = 32;
  double ae_lr = 1e-3;
  // stage 2: latent diffusion
  int64_t diffusion_steps = 4000;
  int64_t batch = 64;
  double lr = 3e-4;
  double weight_decay = 1e-4;
  int64_t warmup_steps = 100;    // then cosine decay to 0
  double grad_clip = 1.0;
  double ema_decay = 0.999;
  double cond_dropout = 0.1;     // classifier-free guidance
  int64_t checkpoint_every = 500;
  uint64_t seed = 0;
  std::string device = "cpu";    // cpu | cuda
  bool bf16 = true;              // autocast on CUDA
};

struct GeneratorConfig {
  AutoencoderConfig autoencoder;
  DenoiserConfig denoiser;
  ConditionEncoderConfig condition;
  NormalizationOptions normalization;
  // Training noise schedule, diffusers keys (num_train_timesteps, beta_start, beta_end, beta_schedule);
  // T = 1000, linear 1e-4 -> 0.02 by default. Samplers share it (prediction type from the denoiser).
  nlohmann::json noise = {{"num_train_timesteps", 1000}, {"beta_start", 1e-4}, {"beta_end", 0.02},
                          {"beta_schedule", "linear"}};
  TrainConfig train;

  // A scheduler of `kind` ("ddpm" | "ddim" | "dpmpp") on this noise schedule.
  std::unique_ptr<Scheduler> make_sampler_scheduler(const std::string& kind, double eta = 0.0) const;

  nlohmann::json to_json() const;
  // Unknown keys are errors (a typo must not silently fall back to a default).
  static GeneratorConfig from_json(const nlohmann::json& j, const std::string& label);
  static GeneratorConfig load(const std::string& path);
};

}  // namespace lorastudio
