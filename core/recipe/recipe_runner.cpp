#include "core/recipe/recipe_runner.h"

#include <chrono>
#include <filesystem>

#include "core/recipe/recipe_state.h"
#include "core/util/file_tree.h"
#include "core/util/xdg_paths.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

constexpr const char* kOutcomeNames[] = {"up to date", "ran", "resumed", "unfinished", "not run"};

void install_bundle(const fs::path& bundle, const std::string& install_dir) {
  const fs::path staging = install_dir + ".partial";
  remove_tree(staging.string());
  fs::create_directories(staging.parent_path());
  fs::copy(bundle, staging, fs::copy_options::recursive);
  remove_tree(install_dir);
  fs::rename(staging, install_dir);
}

std::string state_path(const std::string& cache_dir) { return (fs::path(cache_dir) / "recipe-state.json").string(); }

}  // namespace

std::string default_recipe_cache_dir(const std::string& recipe_name) {
  return (fs::path(user_cache_dir()) / "recipes" / recipe_name).string();
}

const char* stage_outcome_name(StageOutcome outcome) { return kOutcomeNames[static_cast<int>(outcome)]; }

std::vector<nlohmann::json> chained_inputs(const std::vector<nlohmann::json>& parameters) {
  nlohmann::json chain = nlohmann::json::array();
  std::vector<nlohmann::json> out;
  for (const auto& p : parameters) {
    chain.push_back(p);
    out.push_back(chain);
  }
  return out;
}

RecipeRunResult recipe_stages_status(const std::vector<RecipeStageDefinition>& stages, const std::string& cache_dir) {
  const RecipeState state = RecipeState::load(state_path(cache_dir));
  RecipeRunResult result;
  result.cache_dir = cache_dir;
  for (const auto& s : stages) {
    RecipeStageReport rep{s.name};
    const RecipeStageRecord* rec = state.find(s.name);
    if (rec && rec->inputs == s.inputs) {
      rep.outcome = rec->done ? StageOutcome::UpToDate : StageOutcome::Unfinished;
      rep.total_seconds = rec->seconds;
      rep.summary = rec->summary;
    }
    if (!s.output.empty()) rep.output = (fs::path(cache_dir) / s.output).string();
    result.stages.push_back(rep);
  }
  return result;
}

RecipeRunResult run_recipe_stages(const std::vector<RecipeStageDefinition>& stages, const std::string& cache_dir,
                                  const RecipeRunOptions& options) {
  fs::create_directories(cache_dir);
  RecipeState state = RecipeState::load(state_path(cache_dir));
  RecipeRunResult result = recipe_stages_status(stages, cache_dir);
  bool upstream_ran = false;  // a stage that ran makes every later one start over
  for (size_t k = 0; k < stages.size() && !result.cancelled; ++k) {
    const RecipeStageDefinition& def = stages[k];
    RecipeStageReport& rep = result.stages[k];
    const fs::path output = fs::path(cache_dir) / def.output;
    const bool output_lost = !def.output.empty() && !fs::exists(output);
    if ((upstream_ran && !def.check_only) || (rep.outcome == StageOutcome::UpToDate && output_lost))
      rep.outcome = StageOutcome::NotRun;
    if (rep.outcome != StageOutcome::UpToDate) {
      upstream_ran = !def.check_only;
      const bool resuming = rep.outcome == StageOutcome::Unfinished;
      if (!resuming && !def.output.empty()) remove_tree(output.string());
      state.start(def.name, def.inputs);
      const auto t0 = std::chrono::steady_clock::now();
      const StageResult r = def.run(resuming);
      rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      state.add_time(def.name, rep.seconds);
      rep.total_seconds = state.find(def.name)->seconds;
      rep.outcome = r.cancelled ? StageOutcome::Unfinished : resuming ? StageOutcome::Resumed : StageOutcome::Ran;
      result.cancelled = r.cancelled;
      if (r.cancelled) break;
      state.finish(def.name, r.summary);
      rep.summary = r.summary;
    }
    if (options.until && def.name == *options.until) break;
  }
  const fs::path bundle = fs::path(cache_dir) / stages.back().output;
  if (stages.back().name == "bundle" && !result.cancelled && result.stages.back().outcome != StageOutcome::NotRun && fs::exists(bundle)) {
    result.bundle_dir = bundle.string();
    if (!options.install_dir.empty()) {
      install_bundle(bundle, options.install_dir);
      result.bundle_dir = options.install_dir;
    }
  }
  return result;
}

}  // namespace lorastudio
