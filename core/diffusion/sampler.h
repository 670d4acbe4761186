#pragma once
// The sampling loop of the generation engine. The denoising network is a callback, so sampling is testable
// without one; classifier-free guidance wraps a conditional network into such a callback.
#include <cstdint>
#include <functional>

#include <torch/types.h>

#include "core/diffusion/scheduler.h"

namespace lorastudio {

// The model output (ε, v or x0 per the scheduler's prediction_type) for x_t at timesteps t ([B] int64, on
// x_t's device).
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x_t, const torch::Tensor& t)>;

struct SampleStep {
  int index = 0;            // 0-based
  int total = 0;            // number of steps of the run
  int64_t timestep = 0;     // the timestep this step started from
  torch::Tensor x_t;        // the sample after this step
  torch::Tensor x0_pred;    // the x0 prediction of this step
};
// Called after every step; return false to cancel the run.
using StepCallback = std::function<bool(const SampleStep&)>;

struct SampleResult {
  torch::Tensor sample;     // the last sample (after steps_done steps)
  bool cancelled = false;
  int steps_done = 0;
};

// Sets num_steps timesteps on `scheduler` (which resets it) and denoises x_T (pure noise, the scheduler's
// initial noise sigma being 1) step by step. `generator` draws the variance noise of stochastic schedulers
// (a CPU generator serves CUDA tensors too). Never syncs with the device unless the callback does.
SampleResult run_sampler(Scheduler& scheduler, const Denoiser& denoiser, torch::Tensor x_T, int num_steps,
                         const StepCallback& callback = {},
                         c10::optional<torch::Generator> generator = c10::nullopt);

// A network conditioned on `cond` (embeddings, batch-first).
using ConditionalDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond)>;

// Classifier-free guidance: one call of `net` on the batch [x; x] with [uncond; cond], then
// uncond_out + guidance_scale·(cond_out − uncond_out). cond and uncond have batch B (that of x) or 1
// (broadcast to B). With guidance_scale 1 only the conditional pass runs (no batch doubling).
Denoiser guided_denoiser(ConditionalDenoiser net, torch::Tensor cond, torch::Tensor uncond, double guidance_scale);

}  // namespace lorastudio
