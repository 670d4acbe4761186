#pragma once
// The common interface of the diffusion schedulers (after diffusers'): set_timesteps(n) picks the inference
// timesteps, step() takes the model output at one of them and returns the sample at the next. Schedulers are
// small value objects (clone() copies one, state included). Their per-timestep coefficients are host scalars
// (timesteps are host integers), so step() never syncs with the device; it works on any device, computes in
// float32 (float64 stays float64) and returns tensors in the sample's dtype. The coefficients and the order of
// the tensor operations are diffusers' own, in float32, so float32 trajectories agree with diffusers' to the
// last bits (bar the model's own rounding).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/diffusion/noise_schedule.h"
#include "core/diffusion/scheduler_config.h"

namespace lorastudio {

// Treat both as read-only: a multistep scheduler keeps pred_original_sample for its next step.
struct StepOutput {
  torch::Tensor prev_sample;           // the sample at the next (smaller) timestep
  torch::Tensor pred_original_sample;  // the model's estimate of x0 at this step
};

// Where a stochastic step's variance noise comes from: `noise` (the sample's shape) when given, else a draw
// from `generator`, else from the default generator. A CPU generator may serve CUDA samples: the noise is
// then drawn on the CPU and copied over (as diffusers' randn_tensor does), so seeds agree across devices.
struct StepNoise {
  StepNoise() = default;
  StepNoise(torch::Tensor n) : noise(std::move(n)) {}                            // NOLINT: implicit on purpose
  StepNoise(torch::Generator g) : generator(std::move(g)) {}                     // NOLINT
  StepNoise(c10::optional<torch::Generator> g) : generator(std::move(g)) {}      // NOLINT
  torch::Tensor noise;
  c10::optional<torch::Generator> generator;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerConfig config);
  virtual ~Scheduler() = default;

  virtual SchedulerKind kind() const = 0;
  virtual std::unique_ptr<Scheduler> clone() const = 0;

  const SchedulerConfig& config() const { return config_; }
  const NoiseSchedule& noise_schedule() const { return schedule_; }
  const torch::Tensor& alphas_cumprod() const { return schedule_.alphas_cumprod(); }  // float32 CPU [T]
  int64_t num_train_timesteps() const { return schedule_.num_train_timesteps(); }

  // Chooses num_inference_steps timesteps and resets the state. Throws Error unless
  // 0 < num_inference_steps <= num_train_timesteps.
  virtual void set_timesteps(int64_t num_inference_steps) = 0;
  // Descending; empty before set_timesteps.
  virtual const std::vector<int64_t>& timesteps() const { return timesteps_; }
  int64_t num_inference_steps() const { return static_cast<int64_t>(timesteps_.size()); }
  // Forgets what multistep schedulers remember of previous steps (a new sampling run, same timesteps).
  virtual void reset_state() {}
  // Whether step() consumes variance noise (DDPM at t > 0, DDIM with eta > 0).
  virtual bool is_stochastic() const { return false; }

  // One denoising step from `timestep` (one of timesteps(), in order for multistep schedulers).
  // model_output is ε, v or x0 per config().prediction_type, shaped like sample. Throws Error before
  // set_timesteps, for a timestep outside the training range, or for mismatched shapes.
  StepOutput step(const torch::Tensor& model_output, int64_t timestep, const torch::Tensor& sample,
                  const StepNoise& noise = {});

  // Forward process q(x_t | x0) and the v-prediction target at integer timesteps t [B] (training).
  torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const {
    return schedule_.add_noise(x0, noise, t);
  }
  torch::Tensor get_velocity(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const {
    return schedule_.get_velocity(x0, noise, t);
  }

 protected:
  // model_output and sample arrive in the compute dtype (float32 or float64), same shape.
  virtual StepOutput step_impl(const torch::Tensor& model_output, int64_t timestep, const torch::Tensor& sample,
                               const StepNoise& noise) = 0;

  // The variance noise for `like` (see StepNoise), in like's dtype and on its device.
  static torch::Tensor draw_noise(const StepNoise& noise, const torch::Tensor& like);

  SchedulerConfig config_;
  NoiseSchedule schedule_;
  std::vector<int64_t> timesteps_;
};

// "ddpm" | "ddim" | "dpmpp" (see parse_scheduler_kind); throws Error for another name or an unusable config.
std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_scheduler(SchedulerKind kind, const SchedulerConfig& config);

}  // namespace lorastudio
