#include "core/recipe/recipe_state.h"

#include <filesystem>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {

RecipeState RecipeState::load(const std::string& path) {
  RecipeState state;
  state.path_ = path;
  if (!std::filesystem::exists(path)) return state;
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  r.only({"stages"});
  const nlohmann::json& stages = r.at("stages");
  if (!stages.is_object()) r.fail("stages", "expected an object of stages");
  for (const auto& [name, value] : stages.items()) {
    const JsonReader s(value, path, "stages." + name);
    s.only({"inputs", "done", "seconds", "summary"});
    RecipeStageRecord rec;
    rec.inputs = s.at("inputs");
    rec.done = s.bool_at("done");
    s.read("seconds", rec.seconds, 0.0, 1e9);
    s.read("summary", rec.summary);
    state.stages_[name] = rec;
  }
  return state;
}

void RecipeState::save() const {
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [name, r] : stages_)
    stages[name] = {{"inputs", r.inputs}, {"done", r.done}, {"seconds", r.seconds}, {"summary", r.summary}};
  write_file_atomically(path_, nlohmann::json{{"stages", stages}}.dump(1) + "\n");
}

const RecipeStageRecord* RecipeState::find(const std::string& stage) const {
  const auto it = stages_.find(stage);
  return it == stages_.end() ? nullptr : &it->second;
}

void RecipeState::start(const std::string& stage, const nlohmann::json& inputs) {
  RecipeStageRecord& r = stages_[stage];
  if (r.inputs != inputs) r = RecipeStageRecord{};
  r.inputs = inputs;
  r.done = false;
  save();
}

void RecipeState::add_time(const std::string& stage, double seconds) {
  stages_[stage].seconds += seconds;
  save();
}

void RecipeState::finish(const std::string& stage, const std::string& summary) {
  RecipeStageRecord& r = stages_[stage];
  r.done = true;
  r.summary = summary;
  save();
}

void RecipeState::forget(const std::string& stage) {
  stages_.erase(stage);
  save();
}

}  // namespace lorastudio
