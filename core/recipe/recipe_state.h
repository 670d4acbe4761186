#pragma once
// What a recipe run has done so far, in CACHE/recipe-state.json: per stage, the inputs it ran with (its own
// parameters and those of every stage before it), whether it finished, how long it took and a summary. A
// stage is up to date when it finished with the inputs the recipe gives now; a stage that started with the
// same inputs but did not finish resumes; any other stage starts over (its old output is removed first).
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct RecipeStageRecord {
  nlohmann::json inputs;
  bool done = false;
  double seconds = 0;  // running time, summed over resumed runs
  std::string summary;
};

class RecipeState {
 public:
  // Reads `path` (a missing file is an empty state; a malformed one is a FileError naming it).
  static RecipeState load(const std::string& path);
  void save() const;  // atomically

  const RecipeStageRecord* find(const std::string& stage) const;  // nullptr when the stage never started
  void start(const std::string& stage, const nlohmann::json& inputs);  // keeps the time of an unfinished run
  void add_time(const std::string& stage, double seconds);
  void finish(const std::string& stage, const std::string& summary);
  void forget(const std::string& stage);

 private:
  std::string path_;
  std::map<std::string, RecipeStageRecord> stages_;
};

}  // namespace lorastudio
