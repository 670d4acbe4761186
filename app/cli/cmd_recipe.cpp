// lora-studio-cli recipe run RECIPE [--cache DIR] [--photos DIR] [--until STAGE] [--install DIR]
// lora-studio-cli recipe status RECIPE [--cache DIR] [--photos DIR]
// Runs a recipe (models/recipes/*.json) stage by stage in its cache folder, resumably. A style recipe: photos,
// stylizer, styles, generator, evaluation, bundle (core/recipe/style_recipe_runner.h); a text recipe: wordnet,
// vocabulary, base, tasks, zoo, generator, evaluation (core/recipe/text_recipe_runner.h).
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/recipe/recipe_file.h"
#include "core/recipe/style_recipe_runner.h"
#include "core/recipe/text_recipe_runner.h"
#include "core/util/error.h"

namespace lorastudio::cli {
namespace {

std::string duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + " s";
  const int64_t m = s / 60;
  return m < 60 ? std::to_string(m) + " min " + std::to_string(s % 60) + " s"
                : std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
}

ArgParser recipe_parser(const std::string& verb, const std::string& help) {
  ArgParser p("recipe " + verb, help);
  p.positional("RECIPE", "the recipe file (models/recipes/*.json)")
      .option("--cache", "DIR", "working folder (default: $XDG_CACHE_HOME/lora-studio/recipes/<name>)")
      .option("--photos", "DIR", "style recipes: photo folder (default: $LORASTUDIO_PHOTOS or the cache; see scripts/fetch-photos.sh)")
      .option("--device", "DEVICE", "text recipes: where pretraining, harvesting and training run (cpu, cuda; default: the recipe's)");
  return p;
}

RecipeRunOptions options_from(const ArgParser& p) {
  RecipeRunOptions o;
  o.cache_dir = p.get("--cache");
  o.photos_dir = p.get("--photos");
  o.device = p.get("--device");
  return o;
}

// A loaded recipe of either world, its stages and its runs.
struct AnyRecipe {
  std::string name;
  std::vector<std::string> stages;
  std::function<RecipeRunResult(const RecipeRunOptions&, const RecipeProgress&)> run;
  std::function<RecipeRunResult(const RecipeRunOptions&)> status;
};

AnyRecipe load_recipe(const std::string& path) {
  if (recipe_world(path) == "text") {
    auto recipe = std::make_shared<TextRecipe>(TextRecipe::load(path));
    return {recipe->name, text_recipe_stages(),
            [recipe](const RecipeRunOptions& o, const RecipeProgress& p) { return run_text_recipe(*recipe, o, p); },
            [recipe](const RecipeRunOptions& o) { return text_recipe_status(*recipe, o); }};
  }
  auto recipe = std::make_shared<StyleRecipe>(StyleRecipe::load(path));
  std::vector<std::string> stages;
  for (int k = 0; k < kRecipeStageCount; ++k) stages.push_back(recipe_stage_name(static_cast<RecipeStage>(k)));
  return {recipe->name, stages,
          [recipe](const RecipeRunOptions& o, const RecipeProgress& p) { return run_style_recipe(*recipe, o, p); },
          [recipe](const RecipeRunOptions& o) { return recipe_status(*recipe, o); }};
}

void print_stages(const RecipeRunResult& r) {
  double total = 0;
  for (const auto& s : r.stages) {
    total += s.total_seconds;
    std::cout << "  " << pad_right(s.stage, 12) << pad_right(stage_outcome_name(s.outcome), 12)
              << pad_right(s.total_seconds > 0 ? duration(s.total_seconds) : "", 14) << s.summary << "\n";
  }
  std::cout << "  running time of the stages, all runs together: " << duration(total) << "\n";
}

int run_recipe_run(int argc, char** argv) {
  ArgParser p = recipe_parser("run", "Run a recipe stage by stage in its cache folder. Finished stages whose inputs are\n"
                                     "unchanged are skipped; Ctrl-C stops, and the same command goes on where it stopped.");
  p.option("--until", "STAGE", "stop after this stage (style: photos … bundle; text: wordnet … evaluation)")
      .option("--install", "DIR", "copy the finished demo bundle here (e.g. models/demo/style-procedural)");
  if (!p.parse(argc, argv)) return 0;
  const AnyRecipe recipe = load_recipe(p.get("RECIPE"));
  RecipeRunOptions o = options_from(p);
  if (p.has("--until")) {
    o.until = p.get("--until");
    if (std::find(recipe.stages.begin(), recipe.stages.end(), *o.until) == recipe.stages.end()) {
      std::string list;
      for (const auto& s : recipe.stages) list += (list.empty() ? "" : ", ") + s;
      throw Error("unknown recipe stage \"" + *o.until + "\" (stages: " + list + ")");
    }
  }
  o.install_dir = p.get("--install");
  watch_interrupts();
  ProgressBar bar;
  std::string current;
  bool shown = false;
  const RecipeRunResult r = recipe.run(o, [&](const RecipeEvent& e) {
    if (shown && e.stage != current) bar.finish();
    current = e.stage;
    shown = true;
    bar.update(e.step, e.total, e.stage + ": " + e.detail);
    return !interrupted();
  });
  if (shown) bar.finish();
  std::cout << "recipe " << recipe.name << " in " << r.cache_dir << "\n";
  print_stages(r);
  if (r.cancelled) {
    std::cerr << "stopped; run the same command again to go on\n";
    return 130;
  }
  if (!r.bundle_dir.empty()) std::cout << "demo bundle: " << r.bundle_dir << "\n";
  return 0;
}

int run_recipe_status(int argc, char** argv) {
  ArgParser p = recipe_parser("status", "Show which stages of a recipe are done, unfinished or still to run.");
  if (!p.parse(argc, argv)) return 0;
  const AnyRecipe recipe = load_recipe(p.get("RECIPE"));
  const RecipeRunResult r = recipe.status(options_from(p));
  std::cout << "recipe " << recipe.name << " in " << r.cache_dir << "\n";
  print_stages(r);
  return 0;
}

}  // namespace

int run_recipe(int argc, char** argv) {
  if (argc < 1 || !std::strcmp(argv[0], "--help") || !std::strcmp(argv[0], "-h")) {
    std::cout << "Usage: lora-studio-cli recipe run RECIPE [options]      run a recipe (resumable)\n"
                 "       lora-studio-cli recipe status RECIPE [options]   show its stages' state\n"
                 "Recipes: models/recipes/*.json. 'lora-studio-cli recipe run --help' lists the options.\n";
    return argc < 1 ? 2 : 0;
  }
  if (!std::strcmp(argv[0], "run")) return run_recipe_run(argc - 1, argv + 1);
  if (!std::strcmp(argv[0], "status")) return run_recipe_status(argc - 1, argv + 1);
  throw UsageError(std::string("unknown recipe subcommand '") + argv[0] + "' (run, status)");
}

}  // namespace lorastudio::cli
