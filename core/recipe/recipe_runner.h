#pragma once
// Running a recipe's stages in its cache folder, resumably, whatever world the recipe makes: finished stages whose
// inputs are unchanged are skipped, an interrupted stage goes on where it stopped (the stage decides what it keeps),
// a stage whose inputs changed starts over (its old output removed first), and a stage that ran makes every later
// one start over. Progress goes to a callback that can cancel; cancelling leaves the state ready to go on. A last
// stage named "bundle" writes the demo bundle, copied to install_dir when given. State: CACHE/recipe-state.json.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct RecipeRunOptions {
  std::string cache_dir;   // empty: $XDG_CACHE_HOME/lora-studio/recipes/<recipe name>
  std::string photos_dir;  // style recipes: empty = PhotoSet::default_dir()
  std::string device;      // text recipes: where the heavy stages run ("cpu", "cuda"); empty: the recipe's
  std::optional<std::string> until;  // stop after the stage of this name
  std::string install_dir; // when set, the finished bundle is copied here (e.g. models/demo/<name>)
};

struct RecipeEvent {
  std::string stage;
  int64_t step = 0, total = 0;  // within the stage (0 of 0: no step count)
  std::string detail;           // "style 3/51 charcoal", "autoencoder loss 0.14", …
};
using RecipeProgress = std::function<bool(const RecipeEvent&)>;  // false cancels

// Before a run (status): UpToDate, Unfinished (started with these inputs, not finished) or NotRun.
// After one: UpToDate (skipped), Ran, Resumed (went on from an unfinished run), Unfinished (cancelled) or NotRun.
enum class StageOutcome { UpToDate, Ran, Resumed, Unfinished, NotRun };
const char* stage_outcome_name(StageOutcome outcome);  // "up to date", "ran", "resumed", "unfinished", "not run"

struct RecipeStageReport {
  std::string stage;
  StageOutcome outcome = StageOutcome::NotRun;
  double seconds = 0;        // this run's time
  double total_seconds = 0;  // over every run of the stage with these inputs
  std::string summary;
  std::string output;        // its file or folder
};

struct RecipeRunResult {
  std::vector<RecipeStageReport> stages;  // every stage, in order
  bool cancelled = false;
  std::string cache_dir;
  std::string bundle_dir;  // the bundle (installed copy when install_dir was given), "" before that stage
};

struct StageResult {
  std::string summary;
  bool cancelled = false;
};

struct RecipeStageDefinition {
  std::string name;
  std::string output;     // its file or folder inside the cache ("" for none)
  nlohmann::json inputs;  // its parameters and those of every stage before it
  bool check_only = false;  // only checks its inputs: running it does not make later stages start over
  std::function<StageResult(bool resuming)> run;
};

// $XDG_CACHE_HOME/lora-studio/recipes/<name>: where a recipe runs when no cache folder is given.
std::string default_recipe_cache_dir(const std::string& recipe_name);

// Each stage's state, without running anything.
RecipeRunResult recipe_stages_status(const std::vector<RecipeStageDefinition>& stages, const std::string& cache_dir);
RecipeRunResult run_recipe_stages(const std::vector<RecipeStageDefinition>& stages, const std::string& cache_dir,
                                  const RecipeRunOptions& options);

// The parameters of stages 0..k for each k: what recipe_stages_status compares.
std::vector<nlohmann::json> chained_inputs(const std::vector<nlohmann::json>& parameters);

}  // namespace lorastudio
