#include "core/generator/training_state.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

nlohmann::json read_state(const StateFiles& s, StageState& st) {
  const nlohmann::json j = parse_json(read_text_file(s.json()), s.json());
  if (!j.is_object()) throw FileError(s.json(), "not a JSON object (delete the state folder to restart training)");
  const JsonReader r(j, s.json());
  r.read("stage", st.stage, {"autoencoder", "diffusion"});
  r.read("step", st.step, 0, INT64_MAX);
  r.read("latent_scale", st.latent_scale, 0.0, 1e12, Bound::Open);
  return j;
}

void write_state(const StateFiles& s, const StageState& st, const nlohmann::json& config, const nlohmann::json& zoo) {
  write_file_atomically(s.json(), nlohmann::json{{"stage", st.stage}, {"step", st.step}, {"latent_scale", st.latent_scale},
                                                 {"config", config}, {"zoo", zoo}}
                                       .dump(2));
}

void save_optimizer(torch::optim::Optimizer& opt, const std::string& path) {
  const std::string tmp = path + ".tmp";
  torch::save(opt, tmp);
  fs::rename(tmp, path);
}

nlohmann::json zoo_fingerprint(const Zoo& zoo) {
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& name : zoo.tasks()) tasks[name] = zoo.task(name).count;
  return {{"dim", zoo.dim()}, {"tasks", tasks}};
}

nlohmann::json resumable_config(nlohmann::json config) {
  config["train"].erase("device");
  return config;
}

}  // namespace lorastudio
