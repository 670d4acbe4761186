#pragma once
// The resumable state of a generator training run under OUT/state/: state.json (stage, step, latent scale,
// the run's config and zoo fingerprint), the weights and the optimizers (see generator_trainer.h).
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace lorastudio {

class Zoo;

struct StateFiles {
  std::filesystem::path dir;
  std::string json() const { return (dir / "state.json").string(); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

struct StageState {
  std::string stage = "autoencoder";
  int64_t step = 0;
  double latent_scale = 1.0;
};

// Reads state.json into `st`; returns the whole JSON (config and zoo of the interrupted run).
nlohmann::json read_state(const StateFiles& s, StageState& st);
void write_state(const StateFiles& s, const StageState& st, const nlohmann::json& config, const nlohmann::json& zoo);
// Written to a temporary name, then renamed.
void save_optimizer(torch::optim::Optimizer& opt, const std::string& path);
// The zoo a run was started on (dimension, tasks and checkpoint counts): a resumed run must see the same one.
nlohmann::json zoo_fingerprint(const Zoo& zoo);
// The config without what may change between an interrupted run and its resumption (train.device).
nlohmann::json resumable_config(nlohmann::json config);

}  // namespace lorastudio
