#include "core/diffusion/dpm_solver_scheduler.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/diffusion/timestep_spacing.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

// diffusers computes the solver's coefficients with PyTorch operations on 0-d float32 CPU tensors. Those
// kernels' exp, log and even sqrt are not always correctly rounded (they come from its vectorised math
// library), so the C library's functions differ in the last ulp at times, which the trajectory then carries.
// The coefficients are therefore computed with LibTorch's CPU kernels, operation by operation as diffusers does.
float cpu_op(float v, torch::Tensor (*op)(const torch::Tensor&)) { return op(torch::tensor(v, torch::kFloat)).item<float>(); }
float torch_log(float v) { return cpu_op(v, [](const torch::Tensor& t) { return t.log(); }); }
float torch_exp(float v) { return cpu_op(v, [](const torch::Tensor& t) { return t.exp(); }); }
// _sigma_to_alpha_sigma_t: alpha_t = 1 / ((sigma**2 + 1) ** 0.5) (1/x is reciprocal(x) in PyTorch).
float alpha_of_sigma(float sigma) {
  return cpu_op(sigma, [](const torch::Tensor& s) { return (s.pow(2) + 1).pow(0.5).reciprocal(); });
}

}  // namespace

DPMSolverMultistepScheduler::DPMSolverMultistepScheduler(const SchedulerConfig& config) : Scheduler(config) {
  if (config_.solver_order != 1 && config_.solver_order != 2)
    throw Error("DPM-Solver++: solver_order " + std::to_string(config_.solver_order) +
                " is not supported (1 or 2)");
}

void DPMSolverMultistepScheduler::set_timesteps(int64_t n) {
  const int64_t T = num_train_timesteps();
  // λ_min clipping (for the cosine schedule): drop the training timesteps whose λ lies below it.
  int64_t clipped = 0;
  for (int64_t t = 0; t < T; ++t) {
    const double ac = schedule_.alpha_cumprod(t);
    const double lambda = std::log(std::sqrt(ac)) - std::log(std::sqrt(1.0 - ac));
    if (lambda < config_.lambda_min_clipped) ++clipped;
  }
  check_num_inference_steps(n, T);
  if (T - clipped < 1) throw Error("DPM-Solver++: lambda_min_clipped leaves no timesteps");
  timesteps_ = dpm_solver_timesteps(config_.timestep_spacing, T, T - clipped, n, config_.steps_offset);
  for (int64_t t : timesteps_)
    if (t < 0 || t >= T)
      throw Error("DPM-Solver++: timestep " + std::to_string(t) + " from set_timesteps(" + std::to_string(n) +
                  ") lies outside [0, " + std::to_string(T) + ") (check steps_offset)");

  // ((1 − ᾱ)/ᾱ) ** 0.5 over the whole schedule, with LibTorch's kernels as diffusers computes it.
  const torch::Tensor ac = schedule_.alphas_cumprod();
  const torch::Tensor all_sigmas = ((1 - ac) / ac).pow(0.5).contiguous();
  const float* sigma_of = all_sigmas.data_ptr<float>();
  sigmas_.clear();
  for (int64_t t : timesteps_) sigmas_.push_back(sigma_of[t]);
  sigmas_.push_back(config_.final_sigmas_type == FinalSigmasType::Zero ? 0.0 : sigma_of[0]);
  // _sigma_to_alpha_sigma_t and λ, in float32 as diffusers computes them.
  alpha_.clear(), sigma_.clear(), lambda_.clear();
  for (double s : sigmas_) {
    const float sigma = static_cast<float>(s);
    const float alpha = alpha_of_sigma(sigma);
    const float sigma_t = sigma * alpha;
    alpha_.push_back(alpha);
    sigma_.push_back(sigma_t);
    lambda_.push_back(torch_log(alpha) - torch_log(sigma_t));  // +inf for σ = 0
  }
  reset_state();
}

void DPMSolverMultistepScheduler::reset_state() {
  model_outputs_.assign(static_cast<size_t>(config_.solver_order), torch::Tensor());
  lower_order_nums_ = 0;
  step_index_ = -1;
}

int64_t DPMSolverMultistepScheduler::index_for_timestep(int64_t t) const {
  std::vector<int64_t> found;
  for (size_t i = 0; i < timesteps_.size(); ++i)
    if (timesteps_[i] == t) found.push_back(static_cast<int64_t>(i));
  if (found.empty()) return num_inference_steps() - 1;
  return found.size() > 1 ? found[1] : found[0];
}

torch::Tensor DPMSolverMultistepScheduler::data_prediction(const torch::Tensor& model_output,
                                                           const torch::Tensor& sample) const {
  const float alpha = static_cast<float>(alpha_[step_index_]), sigma = static_cast<float>(sigma_[step_index_]);
  switch (config_.prediction_type) {
    case PredictionType::Epsilon: return (sample - model_output * sigma) / alpha;
    case PredictionType::VPrediction: return sample * alpha - model_output * sigma;
    case PredictionType::Sample: return model_output.clone();  // kept as history: not the caller's tensor
  }
  throw Error("DPM-Solver++: unknown prediction_type");
}

// x_t = (σ_t/σ_s)·sample − α_t·(e^{−h} − 1)·x0, h = λ_t − λ_s (float32 coefficients, as diffusers').
torch::Tensor DPMSolverMultistepScheduler::first_order_update(const torch::Tensor& x0,
                                                              const torch::Tensor& sample) const {
  const size_t s = static_cast<size_t>(step_index_), t = s + 1;
  if (sigmas_[t] == 0) return x0.clone();  // σ_t = 0: h = ∞, the update is x0 itself
  const float h = static_cast<float>(lambda_[t]) - static_cast<float>(lambda_[s]);
  const float sample_coeff = static_cast<float>(sigma_[t]) / static_cast<float>(sigma_[s]);
  const float x0_coeff = static_cast<float>(alpha_[t]) * (torch_exp(-h) - 1.0f);
  return sample * sample_coeff - x0 * x0_coeff;
}

// 2M: D0 = m0, D1 = (1/r0)·(m0 − m1) with r0 = h_0/h; midpoint: x_t = (σ_t/σ_s0)·sample − α_t(e^{−h} − 1)·D0
// − ½·α_t(e^{−h} − 1)·D1; heun: … + α_t((e^{−h} − 1)/h + 1)·D1.
torch::Tensor DPMSolverMultistepScheduler::second_order_update(const torch::Tensor& sample) const {
  const size_t s0 = static_cast<size_t>(step_index_), t = s0 + 1, s1 = s0 - 1;
  const auto f = [](double v) { return static_cast<float>(v); };
  const float h = f(lambda_[t]) - f(lambda_[s0]), h_0 = f(lambda_[s0]) - f(lambda_[s1]);
  const float r0 = h_0 / h;
  const float alpha_t = f(alpha_[t]);
  const float expm1 = torch_exp(-h) - 1.0f;
  const torch::Tensor& m0 = model_outputs_.back();
  const torch::Tensor& m1 = model_outputs_[model_outputs_.size() - 2];
  const torch::Tensor d1 = (m0 - m1) * (1.0f / r0);
  const torch::Tensor x = sample * (f(sigma_[t]) / f(sigma_[s0])) - m0 * (alpha_t * expm1);
  if (config_.solver_type == DpmSolverType::Midpoint) return x - d1 * (0.5f * (alpha_t * expm1));
  return x + d1 * (alpha_t * (expm1 / h + 1.0f));
}

StepOutput DPMSolverMultistepScheduler::step_impl(const torch::Tensor& model_output, int64_t t,
                                                  const torch::Tensor& sample, const StepNoise& /*noise*/) {
  const int64_t n = num_inference_steps();
  if (step_index_ < 0) step_index_ = index_for_timestep(t);
  if (step_index_ >= n)
    throw Error("DPM-Solver++: all " + std::to_string(n) +
                " steps are done; call set_timesteps or reset_state for a new run");

  const bool lower_order_final =
      step_index_ == n - 1 && ((config_.lower_order_final && n < 15) || config_.final_sigmas_type == FinalSigmasType::Zero);

  const torch::Tensor x0 = data_prediction(model_output, sample);
  for (size_t i = 0; i + 1 < model_outputs_.size(); ++i) model_outputs_[i] = model_outputs_[i + 1];
  model_outputs_.back() = x0;

  StepOutput out;
  out.pred_original_sample = x0;
  if (config_.solver_order == 1 || lower_order_nums_ < 1 || lower_order_final)
    out.prev_sample = first_order_update(x0, sample);
  else
    out.prev_sample = second_order_update(sample);  // solver_order 2 (lower_order_second changes nothing then)

  if (lower_order_nums_ < config_.solver_order) ++lower_order_nums_;
  ++step_index_;
  return out;
}

}  // namespace lorastudio
