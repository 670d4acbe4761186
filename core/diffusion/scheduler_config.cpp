#include "core/diffusion/scheduler_config.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace lorastudio {
namespace {

template <typename Enum>
using Spellings = std::vector<std::pair<const char*, Enum>>;

const Spellings<BetaSchedule>& beta_schedules() {
  static const Spellings<BetaSchedule> s{{"linear", BetaSchedule::Linear},
                                         {"scaled_linear", BetaSchedule::ScaledLinear},
                                         {"squaredcos_cap_v2", BetaSchedule::SquaredCosCapV2}};
  return s;
}
const Spellings<PredictionType>& prediction_types() {
  static const Spellings<PredictionType> s{{"epsilon", PredictionType::Epsilon},
                                           {"v_prediction", PredictionType::VPrediction},
                                           {"sample", PredictionType::Sample}};
  return s;
}
const Spellings<TimestepSpacing>& timestep_spacings() {
  static const Spellings<TimestepSpacing> s{{"leading", TimestepSpacing::Leading},
                                            {"trailing", TimestepSpacing::Trailing},
                                            {"linspace", TimestepSpacing::Linspace}};
  return s;
}
const Spellings<VarianceType>& variance_types() {
  static const Spellings<VarianceType> s{{"fixed_small", VarianceType::FixedSmall},
                                         {"fixed_small_log", VarianceType::FixedSmallLog},
                                         {"fixed_large", VarianceType::FixedLarge}};
  return s;
}
const Spellings<DpmSolverType>& solver_types() {
  static const Spellings<DpmSolverType> s{{"midpoint", DpmSolverType::Midpoint}, {"heun", DpmSolverType::Heun}};
  return s;
}
const Spellings<FinalSigmasType>& final_sigmas_types() {
  static const Spellings<FinalSigmasType> s{{"zero", FinalSigmasType::Zero},
                                            {"sigma_min", FinalSigmasType::SigmaMin}};
  return s;
}

template <typename Enum>
std::string spell(const Spellings<Enum>& spellings, Enum v) {
  for (const auto& [name, value] : spellings)
    if (value == v) return name;
  return "?";
}

template <typename Enum>
Enum parse(const Spellings<Enum>& spellings, const std::string& field, const std::string& text) {
  std::string valid;
  for (const auto& [name, value] : spellings) {
    if (text == name) return value;
    valid += (valid.empty() ? "" : ", ") + std::string(name);
  }
  throw Error("scheduler config: " + field + " \"" + text + "\" is not supported (expected one of: " + valid + ")");
}

// Reads json[key] into out when present and not null; names the key when its type is wrong.
template <typename T>
void read(const nlohmann::json& json, const char* key, T& out) {
  const auto it = json.find(key);
  if (it == json.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("scheduler config: ") + key + ": " + e.what());
  }
}

template <typename Enum>
void read_enum(const nlohmann::json& json, const char* key, const Spellings<Enum>& spellings, Enum& out) {
  std::string text;
  read(json, key, text);
  if (!text.empty()) out = parse(spellings, key, text);
}

// Switches that change the maths in ways not implemented here: refuse rather than sample silently wrong.
void reject_unsupported(const nlohmann::json& json) {
  static const char* const flags[] = {"thresholding",       "rescale_betas_zero_snr", "use_karras_sigmas",
                                      "use_exponential_sigmas", "use_beta_sigmas",     "use_lu_lambdas",
                                      "use_flow_sigmas",    "use_dynamic_shifting",   "euler_at_final"};
  for (const char* flag : flags) {
    bool on = false;
    read(json, flag, on);
    if (on) throw Error(std::string("scheduler config: ") + flag + " = true is not supported");
  }
}

}  // namespace

SchedulerKind parse_scheduler_kind(const std::string& name) {
  if (name == "ddpm" || name == "DDPMScheduler") return SchedulerKind::DDPM;
  if (name == "ddim" || name == "DDIMScheduler") return SchedulerKind::DDIM;
  if (name == "dpmpp" || name == "dpmsolver++" || name == "dpm++2m" || name == "DPMSolverMultistepScheduler")
    return SchedulerKind::DPMSolverMultistep;
  throw Error("unknown scheduler \"" + name + "\" (expected ddpm, ddim or dpmpp)");
}

std::string to_string(SchedulerKind kind) {
  switch (kind) {
    case SchedulerKind::DDPM: return "ddpm";
    case SchedulerKind::DDIM: return "ddim";
    case SchedulerKind::DPMSolverMultistep: return "dpmpp";
  }
  return "?";
}

SchedulerConfig scheduler_defaults(SchedulerKind kind) {
  SchedulerConfig c;
  if (kind == SchedulerKind::DPMSolverMultistep) {
    c.timestep_spacing = TimestepSpacing::Linspace;
    c.clip_sample = false;  // no clipping in DPMSolverMultistepScheduler
  }
  return c;
}

SchedulerConfig scheduler_config_from_json(const nlohmann::json& json, SchedulerKind kind) {
  if (!json.is_object()) throw Error("scheduler config: expected a JSON object");
  reject_unsupported(json);
  SchedulerConfig c = scheduler_defaults(kind);
  read(json, "num_train_timesteps", c.num_train_timesteps);
  read(json, "beta_start", c.beta_start);
  read(json, "beta_end", c.beta_end);
  read_enum(json, "beta_schedule", beta_schedules(), c.beta_schedule);
  read(json, "trained_betas", c.trained_betas);
  read_enum(json, "prediction_type", prediction_types(), c.prediction_type);
  read_enum(json, "timestep_spacing", timestep_spacings(), c.timestep_spacing);
  read(json, "steps_offset", c.steps_offset);
  read(json, "clip_sample", c.clip_sample);
  read(json, "clip_sample_range", c.clip_sample_range);
  read(json, "set_alpha_to_one", c.set_alpha_to_one);
  read(json, "eta", c.eta);
  read(json, "solver_order", c.solver_order);
  read(json, "lower_order_final", c.lower_order_final);
  read(json, "lambda_min_clipped", c.lambda_min_clipped);
  read_enum(json, "solver_type", solver_types(), c.solver_type);
  read_enum(json, "final_sigmas_type", final_sigmas_types(), c.final_sigmas_type);
  std::string algorithm;
  read(json, "algorithm_type", algorithm);
  if (!algorithm.empty() && algorithm != "dpmsolver++")
    throw Error("scheduler config: algorithm_type \"" + algorithm + "\" is not supported (only dpmsolver++)");
  // variance_type means different things per class: DDPM's noise variance, DPM-Solver's learned-variance switch.
  std::string variance;
  read(json, "variance_type", variance);
  if (!variance.empty()) {
    if (kind == SchedulerKind::DDPM)
      c.variance_type = parse(variance_types(), "variance_type", variance);
    else if (kind == SchedulerKind::DPMSolverMultistep)
      throw Error("scheduler config: variance_type \"" + variance + "\" (learned variance) is not supported");
  }
  if (c.solver_order != 1 && c.solver_order != 2)
    throw Error("scheduler config: solver_order " + std::to_string(c.solver_order) + " is not supported (1 or 2)");
  return c;
}

std::string to_string(BetaSchedule v) { return spell(beta_schedules(), v); }
std::string to_string(PredictionType v) { return spell(prediction_types(), v); }
std::string to_string(TimestepSpacing v) { return spell(timestep_spacings(), v); }
std::string to_string(VarianceType v) { return spell(variance_types(), v); }
std::string to_string(DpmSolverType v) { return spell(solver_types(), v); }
std::string to_string(FinalSigmasType v) { return spell(final_sigmas_types(), v); }

}  // namespace lorastudio
