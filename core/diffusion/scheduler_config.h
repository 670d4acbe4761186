#pragma once
// Configuration of the diffusion schedulers, with diffusers' field names and meanings (DDPMScheduler,
// DDIMScheduler, DPMSolverMultistepScheduler), so a model's scheduler_config.json maps onto it directly.
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lorastudio {

enum class SchedulerKind { DDPM, DDIM, DPMSolverMultistep };
enum class BetaSchedule { Linear, ScaledLinear, SquaredCosCapV2 };
enum class PredictionType { Epsilon, VPrediction, Sample };
enum class TimestepSpacing { Leading, Trailing, Linspace };
enum class VarianceType { FixedSmall, FixedSmallLog, FixedLarge };
enum class DpmAlgorithm { DPMSolverPlusPlus };  // "dpmsolver++": the data-prediction (x0) form
enum class DpmSolverType { Midpoint, Heun };
enum class FinalSigmasType { Zero, SigmaMin };

// Defaults are those of diffusers' DDPMScheduler / DDIMScheduler (clip_sample on, "leading" spacing);
// scheduler_defaults(kind) gives each class's own (DPM-Solver: "linspace").
struct SchedulerConfig {
  int64_t num_train_timesteps = 1000;
  double beta_start = 0.0001;
  double beta_end = 0.02;
  BetaSchedule beta_schedule = BetaSchedule::Linear;
  std::vector<double> trained_betas;  // when non-empty: the betas themselves (size num_train_timesteps)
  PredictionType prediction_type = PredictionType::Epsilon;
  TimestepSpacing timestep_spacing = TimestepSpacing::Leading;
  int64_t steps_offset = 0;
  bool clip_sample = true;        // clamp the predicted x0 to ±clip_sample_range (DDPM, DDIM)
  double clip_sample_range = 1.0;

  // DDPM
  VarianceType variance_type = VarianceType::FixedSmall;

  // DDIM
  bool set_alpha_to_one = true;   // ᾱ before the first training step: 1, or ᾱ_0
  double eta = 0.0;               // 0: deterministic DDIM; 1: DDPM-like (a step argument in diffusers)

  // DPM-Solver++ (multistep)
  int solver_order = 2;           // 1 or 2
  bool lower_order_final = true;  // first order at the last step(s) when fewer than 15 steps
  DpmAlgorithm algorithm_type = DpmAlgorithm::DPMSolverPlusPlus;
  DpmSolverType solver_type = DpmSolverType::Midpoint;
  FinalSigmasType final_sigmas_type = FinalSigmasType::Zero;
  double lambda_min_clipped = -std::numeric_limits<double>::infinity();
};

// "ddpm" | "ddim" | "dpmpp" (aliases: the diffusers class names, "dpmsolver++", "dpm++2m"); throws Error otherwise.
SchedulerKind parse_scheduler_kind(const std::string& name);
std::string to_string(SchedulerKind kind);  // "ddpm" | "ddim" | "dpmpp"

// The class's diffusers defaults.
SchedulerConfig scheduler_defaults(SchedulerKind kind);

// A diffusers scheduler config (scheduler_config.json): scheduler_defaults(kind) overridden by the keys
// present (null values and unknown keys are ignored). Throws Error for a bad value or for a feature that is
// switched on but not implemented here (thresholding, karras/exponential/beta/lu/flow sigmas, zero-SNR
// rescaling, dynamic shifting, euler_at_final, learned variances, dpmsolver/sde algorithms, solver_order 3).
SchedulerConfig scheduler_config_from_json(const nlohmann::json& json, SchedulerKind kind);

// The diffusers spelling of each enum value ("scaled_linear", "v_prediction", "dpmsolver++", ...).
std::string to_string(BetaSchedule v);
std::string to_string(PredictionType v);
std::string to_string(TimestepSpacing v);
std::string to_string(VarianceType v);
std::string to_string(DpmSolverType v);
std::string to_string(FinalSigmasType v);

}  // namespace lorastudio
