#pragma once
// Running a style recipe (style_recipe.h) stage by stage in its cache folder, resumably: finished stages whose
// inputs are unchanged are skipped, an interrupted stage goes on where it stopped (the harvest keeps finished
// styles, training its last saved state), a stage whose inputs changed starts over. Progress goes to a callback
// that can cancel; cancelling leaves the state ready to go on.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/recipe/style_recipe.h"

namespace lorastudio {

struct RecipeRunOptions {
  std::string cache_dir;   // empty: $XDG_CACHE_HOME/lora-studio/recipes/<recipe name>
  std::string photos_dir;  // empty: PhotoSet::default_dir()
  std::optional<RecipeStage> until;  // stop after this stage
  std::string install_dir; // when set, the finished bundle is copied here (e.g. models/demo/<name>)
};

struct RecipeEvent {
  RecipeStage stage = RecipeStage::Photos;
  int64_t step = 0, total = 0;  // within the stage (0 of 0: no step count)
  std::string detail;           // "style 3/51 charcoal", "autoencoder loss 0.14", …
};
using RecipeProgress = std::function<bool(const RecipeEvent&)>;  // false cancels

// Before a run (recipe_status): UpToDate, Unfinished (started with these inputs, not finished) or NotRun.
// After one: UpToDate (skipped), Ran, Resumed (went on from an unfinished run), Unfinished (cancelled) or NotRun.
enum class StageOutcome { UpToDate, Ran, Resumed, Unfinished, NotRun };
const char* stage_outcome_name(StageOutcome outcome);  // "up to date", "ran", "resumed", "unfinished", "not run"

struct RecipeStageReport {
  RecipeStage stage = RecipeStage::Photos;
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

RecipeRunResult run_style_recipe(const StyleRecipe& recipe, const RecipeRunOptions& options,
                                 const RecipeProgress& progress = {});

// Each stage's state, without running anything.
RecipeRunResult recipe_status(const StyleRecipe& recipe, const RecipeRunOptions& options);

}  // namespace lorastudio
