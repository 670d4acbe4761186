#pragma once
// Multistep DPM-Solver++ (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
// Probabilistic Models"), as diffusers' DPMSolverMultistepScheduler with algorithm_type "dpmsolver++":
// first order on the first step, then second order (2M, midpoint or heun) from the current and previous
// data predictions, first order again on the last step when lower_order_final (fewer than 15 steps) or
// final_sigmas_type "zero". Stateful: it keeps the previous x0 prediction and its own step index, so the
// timesteps must be stepped in order; set_timesteps and reset_state start over. σ, α, λ and the update
// coefficients are computed in float32 host arithmetic as diffusers does with its 0-dim float32 tensors (its
// log/exp come from PyTorch's vectorised math library, ours from libm: rarely, one ulp apart).
#include <vector>

#include "core/diffusion/scheduler.h"

namespace lorastudio {

class DPMSolverMultistepScheduler : public Scheduler {
 public:
  explicit DPMSolverMultistepScheduler(
      const SchedulerConfig& config = scheduler_defaults(SchedulerKind::DPMSolverMultistep));

  SchedulerKind kind() const override { return SchedulerKind::DPMSolverMultistep; }
  std::unique_ptr<Scheduler> clone() const override {
    return std::make_unique<DPMSolverMultistepScheduler>(*this);
  }
  void set_timesteps(int64_t num_inference_steps) override;
  void reset_state() override;

  // σ_i = sqrt((1 − ᾱ)/ᾱ) at each inference timestep, then the final one (0, or σ at t = 0): size n + 1.
  const std::vector<double>& sigmas() const { return sigmas_; }
  // The index of the next step (-1 before the first step of a run).
  int64_t step_index() const { return step_index_; }

 protected:
  StepOutput step_impl(const torch::Tensor& model_output, int64_t t, const torch::Tensor& sample,
                       const StepNoise& noise) override;

 private:
  // diffusers' index_for_timestep: the position of t in timesteps() (the second of duplicates; the last
  // index when absent).
  int64_t index_for_timestep(int64_t t) const;
  torch::Tensor data_prediction(const torch::Tensor& model_output, const torch::Tensor& sample) const;
  torch::Tensor first_order_update(const torch::Tensor& x0, const torch::Tensor& sample) const;
  torch::Tensor second_order_update(const torch::Tensor& sample) const;

  // Per sigma index (n + 1 entries), float32 values: VP α = 1/sqrt(σ² + 1), VP σ = σ·α, λ = log α − log σ.
  std::vector<double> sigmas_, alpha_, sigma_, lambda_;
  std::vector<torch::Tensor> model_outputs_;  // the last solver_order data predictions, oldest first
  int64_t lower_order_nums_ = 0;
  int64_t step_index_ = -1;
};

}  // namespace lorastudio
