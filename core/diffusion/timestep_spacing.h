#pragma once
// The inference timesteps (descending) chosen from the training ones, as diffusers computes them
// (numpy arange/linspace and round-half-to-even, reproduced bit for bit). "leading", "trailing" and
// "linspace" follow Table 2 of Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed".
#include <cstdint>
#include <vector>

#include "core/diffusion/scheduler_config.h"

namespace lorastudio {

// Throws Error unless 0 < num_inference_steps <= num_train_timesteps.
void check_num_inference_steps(int64_t num_inference_steps, int64_t num_train_timesteps);

// DDPMScheduler / DDIMScheduler.set_timesteps: num_inference_steps values.
std::vector<int64_t> ddpm_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps, int64_t num_inference_steps,
                                    int64_t steps_offset);

// DPMSolverMultistepScheduler.set_timesteps: spaced over [0, last_timestep) with num_inference_steps + 1 points
// of which the last (smallest) is dropped; last_timestep is num_train_timesteps less those whose λ is clipped.
std::vector<int64_t> dpm_solver_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps,
                                          int64_t last_timestep, int64_t num_inference_steps, int64_t steps_offset);

}  // namespace lorastudio
