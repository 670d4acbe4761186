#include "core/generator/generator_config.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {
namespace {

nlohmann::json train_to_json(const TrainConfig& t) {
  return {{"ae_steps", t.ae_steps},           {"ae_batch", t.ae_batch},         {"ae_lr", t.ae_lr},
          {"diffusion_steps", t.diffusion_steps}, {"batch", t.batch},           {"lr", t.lr},
          {"weight_decay", t.weight_decay},   {"warmup_steps", t.warmup_steps}, {"grad_clip", t.grad_clip},
          {"ema_decay", t.ema_decay},         {"cond_dropout", t.cond_dropout}, {"checkpoint_every", t.checkpoint_every},
          {"seed", t.seed},                   {"device", t.device},             {"bf16", t.bf16}};
}

TrainConfig train_from_json(const JsonReader& t) {
  TrainConfig c;
  t.only({"ae_steps", "ae_batch", "ae_lr", "diffusion_steps", "batch", "lr", "weight_decay", "warmup_steps", "grad_clip",
          "ema_decay", "cond_dropout", "checkpoint_every", "seed", "device", "bf16"});
  const int64_t kMaxSteps = 100000000;
  t.read("ae_steps", c.ae_steps, 0, kMaxSteps);
  t.read("ae_batch", c.ae_batch, 1, 1000000);
  t.read("ae_lr", c.ae_lr, 0.0, 10.0, Bound::Open);
  t.read("diffusion_steps", c.diffusion_steps, 0, kMaxSteps);
  t.read("batch", c.batch, 1, 1000000);
  t.read("lr", c.lr, 0.0, 10.0, Bound::Open);
  t.read("weight_decay", c.weight_decay, 0.0, 10.0);
  t.read("warmup_steps", c.warmup_steps, 0, kMaxSteps);
  t.read("grad_clip", c.grad_clip, 0.0, 1e9, Bound::Open);
  t.read("ema_decay", c.ema_decay, 0.0, 0.999999);
  t.read("cond_dropout", c.cond_dropout, 0.0, 0.99);
  t.read("checkpoint_every", c.checkpoint_every, 1, kMaxSteps);
  t.read("seed", c.seed, uint64_t(INT64_MAX));
  t.read("device", c.device, {"cpu", "cuda"});
  t.read("bf16", c.bf16);
  return c;
}

NormalizationOptions normalization_from_json(const JsonReader& n) {
  NormalizationOptions o;
  n.only({"mode", "task_statistics", "unseen_task", "epsilon"});
  std::string mode = normalization_mode_name(o.mode), stats = "scalar", unseen = "error";
  n.read("mode", mode, {"none", "task", "global"});
  n.read("task_statistics", stats, {"scalar", "per_coordinate"});
  n.read("unseen_task", unseen, {"error", "pooled"});
  n.read("epsilon", o.epsilon, 0.0, 1.0, Bound::Open);
  o.mode = parse_normalization_mode(mode);
  o.task_statistics = stats == "scalar" ? TaskStatistics::Scalar : TaskStatistics::PerCoordinate;
  o.unseen_task = unseen == "error" ? UnseenTaskPolicy::Error : UnseenTaskPolicy::Pooled;
  return o;
}

nlohmann::json noise_from_json(const JsonReader& n, nlohmann::json noise) {
  n.only({"num_train_timesteps", "beta_start", "beta_end", "beta_schedule"});
  int64_t steps = noise["num_train_timesteps"].get<int64_t>();
  double start = noise["beta_start"].get<double>(), end = noise["beta_end"].get<double>();
  std::string schedule = noise["beta_schedule"].get<std::string>();
  n.read("num_train_timesteps", steps, 2, 100000);
  n.read("beta_start", start, 0.0, 0.999, Bound::Open);
  n.read("beta_end", end, 0.0, 0.999, Bound::Open);
  n.read("beta_schedule", schedule, {"linear", "scaled_linear", "squaredcos_cap_v2"});
  if (end < start) n.fail("beta_end", "must not be below beta_start");
  return {{"num_train_timesteps", steps}, {"beta_start", start}, {"beta_end", end}, {"beta_schedule", schedule}};
}

}  // namespace

nlohmann::json GeneratorConfig::to_json() const {
  nlohmann::json norm = {{"mode", normalization_mode_name(normalization.mode)},
                         {"task_statistics", normalization.task_statistics == TaskStatistics::Scalar ? "scalar" : "per_coordinate"},
                         {"unseen_task", normalization.unseen_task == UnseenTaskPolicy::Error ? "error" : "pooled"},
                         {"epsilon", normalization.epsilon}};
  return {{"autoencoder", autoencoder.to_json()}, {"denoiser", denoiser.to_json()}, {"condition", condition.to_json()},
          {"normalization", norm}, {"noise", noise}, {"train", train_to_json(train)}};
}

GeneratorConfig GeneratorConfig::from_json(const nlohmann::json& j, const std::string& label) {
  GeneratorConfig c;
  const JsonReader r(j, label);
  r.only({"autoencoder", "denoiser", "condition", "normalization", "noise", "train", "comment"});
  if (r.has("autoencoder")) c.autoencoder = AutoencoderConfig::from_json(r.at("autoencoder"), label);
  if (r.has("denoiser")) c.denoiser = DenoiserConfig::from_json(r.at("denoiser"), label);
  if (r.has("condition")) c.condition = ConditionEncoderConfig::from_json(r.at("condition"), label);
  c.normalization = normalization_from_json(r.child("normalization"));
  c.noise = noise_from_json(r.child("noise"), c.noise);
  c.train = train_from_json(r.child("train"));
  // The denoiser works on the autoencoder's latent.
  c.denoiser.latent_channels = c.autoencoder.latent_channels;
  c.denoiser.latent_length = c.autoencoder.latent_length;
  c.denoiser = DenoiserConfig::from_json(c.denoiser.to_json(), label);
  try {
    (void)c.make_sampler_scheduler("ddpm");
  } catch (const Error& e) {
    throw FileError(label, std::string("noise: ") + e.what());
  }
  return c;
}

GeneratorConfig GeneratorConfig::load(const std::string& path) {
  return from_json(parse_json(read_text_file(path), path), path);
}

std::unique_ptr<Scheduler> GeneratorConfig::make_sampler_scheduler(const std::string& kind, double eta) const {
  nlohmann::json j = noise;
  j["prediction_type"] = denoiser.prediction;
  j["clip_sample"] = false;
  const SchedulerKind k = parse_scheduler_kind(kind);
  if (k == SchedulerKind::DDIM) {
    j["set_alpha_to_one"] = false;
    j["timestep_spacing"] = "trailing";
  }
  SchedulerConfig config = scheduler_config_from_json(j, k);
  config.eta = eta;
  return make_scheduler(k, config);
}

}  // namespace lorastudio
