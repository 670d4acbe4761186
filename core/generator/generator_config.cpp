#include "core/generator/generator_config.h"

#include <set>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

nlohmann::json train_to_json(const TrainConfig& t) {
  return {{"ae_steps", t.ae_steps},           {"ae_batch", t.ae_batch},         {"ae_lr", t.ae_lr},
          {"diffusion_steps", t.diffusion_steps}, {"batch", t.batch},           {"lr", t.lr},
          {"weight_decay", t.weight_decay},   {"warmup_steps", t.warmup_steps}, {"grad_clip", t.grad_clip},
          {"ema_decay", t.ema_decay},         {"cond_dropout", t.cond_dropout}, {"checkpoint_every", t.checkpoint_every},
          {"seed", t.seed},                   {"device", t.device},             {"bf16", t.bf16}};
}

void check_keys(const nlohmann::json& j, const std::set<std::string>& allowed, const std::string& section,
                const std::string& label) {
  if (!j.is_object()) throw FileError(label, section + " must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) throw FileError(label, section + ": unknown key \"" + it.key() + "\"");
}

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.insert(it.key());
  return k;
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
  check_keys(j, {"autoencoder", "denoiser", "condition", "normalization", "noise", "train", "comment"}, "config", label);
  if (j.contains("autoencoder")) {
    check_keys(j["autoencoder"], keys_of(c.autoencoder.to_json()), "autoencoder", label);
    c.autoencoder = AutoencoderConfig::from_json(j["autoencoder"], label);
  }
  if (j.contains("denoiser")) {
    check_keys(j["denoiser"], keys_of(c.denoiser.to_json()), "denoiser", label);
    c.denoiser = DenoiserConfig::from_json(j["denoiser"], label);
  }
  if (j.contains("condition")) {
    check_keys(j["condition"], keys_of(c.condition.to_json()), "condition", label);
    c.condition = ConditionEncoderConfig::from_json(j["condition"], label);
  }
  if (j.contains("normalization")) {
    const auto& n = j["normalization"];
    check_keys(n, {"mode", "task_statistics", "unseen_task", "epsilon"}, "normalization", label);
    try {
      c.normalization.mode = parse_normalization_mode(n.value("mode", std::string("task")));
    } catch (const Error& e) {
      throw FileError(label, std::string("normalization: ") + e.what());
    }
    const std::string stats = n.value("task_statistics", std::string("scalar"));
    const std::string unseen = n.value("unseen_task", std::string("error"));
    if (stats != "scalar" && stats != "per_coordinate") throw FileError(label, "normalization.task_statistics: scalar or per_coordinate");
    if (unseen != "error" && unseen != "pooled") throw FileError(label, "normalization.unseen_task: error or pooled");
    c.normalization.task_statistics = stats == "scalar" ? TaskStatistics::Scalar : TaskStatistics::PerCoordinate;
    c.normalization.unseen_task = unseen == "error" ? UnseenTaskPolicy::Error : UnseenTaskPolicy::Pooled;
    c.normalization.epsilon = n.value("epsilon", c.normalization.epsilon);
  }
  if (j.contains("noise")) {
    check_keys(j["noise"], {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule"}, "noise", label);
    for (auto it = j["noise"].begin(); it != j["noise"].end(); ++it) c.noise[it.key()] = it.value();
  }
  if (j.contains("train")) {
    const auto& t = j["train"];
    check_keys(t, keys_of(train_to_json(c.train)), "train", label);
    try {
      TrainConfig& r = c.train;
      r.ae_steps = t.value("ae_steps", r.ae_steps);
      r.ae_batch = t.value("ae_batch", r.ae_batch);
      r.ae_lr = t.value("ae_lr", r.ae_lr);
      r.diffusion_steps = t.value("diffusion_steps", r.diffusion_steps);
      r.batch = t.value("batch", r.batch);
      r.lr = t.value("lr", r.lr);
      r.weight_decay = t.value("weight_decay", r.weight_decay);
      r.warmup_steps = t.value("warmup_steps", r.warmup_steps);
      r.grad_clip = t.value("grad_clip", r.grad_clip);
      r.ema_decay = t.value("ema_decay", r.ema_decay);
      r.cond_dropout = t.value("cond_dropout", r.cond_dropout);
      r.checkpoint_every = t.value("checkpoint_every", r.checkpoint_every);
      r.seed = t.value("seed", r.seed);
      r.device = t.value("device", r.device);
      r.bf16 = t.value("bf16", r.bf16);
    } catch (const nlohmann::json::exception& e) {
      throw FileError(label, std::string("train: ") + e.what());
    }
    if (c.train.device != "cpu" && c.train.device != "cuda") throw FileError(label, "train.device must be cpu or cuda");
  }
  // The denoiser works on the autoencoder's latent.
  c.denoiser.latent_channels = c.autoencoder.latent_channels;
  c.denoiser.latent_length = c.autoencoder.latent_length;
  try {
    c.denoiser = DenoiserConfig::from_json(c.denoiser.to_json(), label);
    (void)c.make_sampler_scheduler("ddpm");
  } catch (const Error& e) {
    throw FileError(label, e.what());
  }
  return c;
}

GeneratorConfig GeneratorConfig::load(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(read_text_file(path), nullptr, false);
  if (j.is_discarded()) throw FileError(path, "not valid JSON");
  return from_json(j, path);
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
