#include "core/recipe/style_recipe_runner.h"

#include <filesystem>
#include <map>

#include <torch/torch.h>

#include "core/generator/generator_trainer.h"
#include "core/imaging/photo_set.h"
#include "core/style/style_demo_writer.h"
#include "core/style/stylizer_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/number_text.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

struct Context {
  const StyleRecipe& recipe;
  RecipeRunOptions options;
  const RecipeProgress& progress;
  std::optional<StyleWorld> world;
  bool resuming = false;  // the current stage started earlier with the same inputs

  fs::path path(const std::string& name) const { return fs::path(options.cache_dir) / name; }
  const StyleWorld& style_world() {
    if (!world) world = StyleWorld::open(options.photos_dir);
    return *world;
  }
  bool report(RecipeStage stage, int64_t step, int64_t total, const std::string& detail) const {
    return !progress || progress({recipe_stage_name(stage), step, total, detail});
  }
};

// Each stage's output inside the cache folder ("" for the photos, which stay where they are).
std::string output_of(RecipeStage stage) {
  switch (stage) {
    case RecipeStage::Photos: return "";
    case RecipeStage::Stylizer: return "stylizer.safetensors";
    case RecipeStage::Styles: return "harvest";
    case RecipeStage::Generator: return "generator";
    case RecipeStage::Evaluation: return "evaluation";
    case RecipeStage::Bundle: return "bundle";
  }
  return "";
}

StageResult run_photos(Context& c) {
  const PhotoSet set = PhotoSet::open(c.options.photos_dir);
  std::map<std::string, int> splits;
  for (const auto& p : set.photos()) ++splits[p.split];
  std::string summary = std::to_string(set.photos().size()) + " photos (";
  for (const auto& [split, n] : splits) summary += (summary.back() == '(' ? "" : ", ") + std::to_string(n) + " " + split;
  return {summary + ") in " + c.options.photos_dir};
}

StageResult run_stylizer(Context& c) {
  const PhotoSet set = PhotoSet::open(c.options.photos_dir);
  const std::vector<torch::Tensor> train = set.load_split("train"), held_out = set.load_split("held_out");
  torch::manual_seed(c.recipe.seed);
  Stylizer stylizer(c.recipe.stylizer);
  const auto r = pretrain_stylizer(stylizer, train, c.recipe.pretraining, [&](int64_t step, int64_t total, double loss) {
    return c.report(RecipeStage::Stylizer, step, total, "L1 " + fixed_decimals(loss, 4));
  });
  if (r.cancelled) return {"", true};
  const double quality = reproduction_psnr(stylizer, held_out, c.recipe.pretraining.patch);
  save_stylizer(stylizer, c.path("stylizer.safetensors").string(),
                {{"steps", std::to_string(c.recipe.pretraining.steps)}, {"held_out_psnr_db", fixed_decimals(quality, 2)}});
  return {std::to_string(stylizer->parameter_count()) + " parameters, held-out reproduction " + fixed_decimals(quality, 2) + " dB"};
}

StageResult run_styles(Context& c) {
  Stylizer stylizer = load_stylizer(c.path("stylizer.safetensors").string());
  StyleZooPlan plan = c.recipe.harvest;
  plan.out_dir = c.path("harvest").string();
  const StyleZooSummary s = harvest_style_zoo(c.style_world(), stylizer, plan, [&](const StyleZooEvent& e) {
    return c.report(RecipeStage::Styles, e.step, e.steps,
                    "style " + std::to_string(e.index + 1) + "/" + std::to_string(e.total) + " " + e.style);
  });
  if (s.cancelled) return {"", true};
  const Zoo seen = Zoo::open(seen_zoo_dir(plan.out_dir)), held = Zoo::open(held_out_zoo_dir(plan.out_dir));
  return {std::to_string(seen.tasks().size()) + " training and " + std::to_string(held.tasks().size()) +
          " held-out styles, " + std::to_string(seen.checkpoint_count() + held.checkpoint_count()) + " checkpoints, D = " +
          std::to_string(seen.dim())};
}

StageResult run_generator(Context& c) {
  const Zoo zoo = Zoo::open(seen_zoo_dir(c.path("harvest").string()));
  const bool resume = c.resuming && fs::exists(c.path("generator") / "state");
  const TrainResult r = train_generator(zoo, c.recipe.generator, c.path("generator").string(), resume, [&](const TrainProgress& p) {
    return c.report(RecipeStage::Generator, p.step, p.total, p.stage + " loss " + fixed_decimals(p.loss, 4));
  });
  if (r.cancelled) return {"", true};
  return {"autoencoder loss " + fixed_decimals(r.final_autoencoder_loss, 4) + " (relative error " + fixed_decimals(r.reconstruction_error, 3) +
          "), diffusion loss " + fixed_decimals(r.final_diffusion_loss, 4)};
}

StageResult run_evaluation(Context& c) {
  Stylizer stylizer = load_stylizer(c.path("stylizer.safetensors").string());
  ConditionalGenerator generator = ConditionalGenerator::load(c.path("generator").string());
  const std::string harvest = c.path("harvest").string();
  const Zoo seen = Zoo::open(seen_zoo_dir(harvest)), held = Zoo::open(held_out_zoo_dir(harvest));
  const StyleEvaluation ev = evaluate_styles(c.style_world(), stylizer, generator, seen, held, c.recipe.evaluation,
                                             [&](int i, int n, const std::string& s) { return c.report(RecipeStage::Evaluation, i, n, s); });
  if (ev.cancelled) return {"", true};
  fs::create_directories(c.path("evaluation"));
  write_file_atomically(c.path("evaluation/evaluation.json").string(), ev.to_json().dump(2) + "\n");
  write_file_atomically(c.path("evaluation/evaluation.md").string(), ev.to_markdown());
  const ImageScores gen = ev.mean(StyleMethod::GeneratedBest, false), orig = ev.mean(StyleMethod::BestOriginal, false);
  const ImageScores held_gen = ev.mean(StyleMethod::GeneratedBest, true);
  return {"seen styles: generated " + fixed_decimals(gen.psnr, 2) + " dB, original " + fixed_decimals(orig.psnr, 2) + " dB; held-out: generated " +
          fixed_decimals(held_gen.psnr, 2) + " dB"};
}

StageResult run_bundle(Context& c) {
  c.report(RecipeStage::Bundle, 0, 0, "writing the demo bundle");
  StyleDemoSources src;
  src.name = c.recipe.name;
  src.recipe = fs::path(c.recipe.path).filename().string();
  src.stylizer_file = c.path("stylizer.safetensors").string();
  src.harvest_dir = c.path("harvest").string();
  src.generator_dir = c.path("generator").string();
  src.evaluation_dir = c.path("evaluation").string();
  src.float16 = c.recipe.float16;
  src.check = c.recipe.check;
  src.check.seed = c.recipe.seed;
  const int64_t bytes = write_style_demo(c.style_world(), src, c.path("bundle").string());
  return {"demo bundle of " + fixed_decimals(static_cast<double>(bytes) / 1048576.0, 2) + " MB"};
}

StageResult run_stage(RecipeStage stage, Context& c) {
  switch (stage) {
    case RecipeStage::Photos: return run_photos(c);
    case RecipeStage::Stylizer: return run_stylizer(c);
    case RecipeStage::Styles: return run_styles(c);
    case RecipeStage::Generator: return run_generator(c);
    case RecipeStage::Evaluation: return run_evaluation(c);
    case RecipeStage::Bundle: return run_bundle(c);
  }
  return {};
}

RecipeRunOptions resolved(const StyleRecipe& recipe, RecipeRunOptions o) {
  if (o.cache_dir.empty()) o.cache_dir = default_recipe_cache_dir(recipe.name);
  if (o.photos_dir.empty()) o.photos_dir = PhotoSet::default_dir();
  return o;
}

// The photos stage's parameters include the photo list.
std::vector<nlohmann::json> stage_inputs(const StyleRecipe& recipe, const std::string& photos_dir) {
  std::vector<nlohmann::json> parameters;
  for (int k = 0; k < kRecipeStageCount; ++k) {
    const auto stage = static_cast<RecipeStage>(k);
    nlohmann::json p = recipe.stage_parameters(stage);
    if (stage == RecipeStage::Photos) {
      nlohmann::json photos = nlohmann::json::array();
      if (fs::exists(fs::path(photos_dir) / "manifest.tsv")) {
        const PhotoSet set = PhotoSet::open(photos_dir);
        for (const auto& ph : set.photos()) photos.push_back(ph.name + ":" + ph.split);
      }
      p["photos"] = photos;
    }
    parameters.push_back(p);
  }
  return chained_inputs(parameters);
}

std::vector<RecipeStageDefinition> stage_definitions(Context& c) {
  const std::vector<nlohmann::json> inputs = stage_inputs(c.recipe, c.options.photos_dir);
  std::vector<RecipeStageDefinition> out;
  for (int k = 0; k < kRecipeStageCount; ++k) {
    const auto stage = static_cast<RecipeStage>(k);
    out.push_back({recipe_stage_name(stage), output_of(stage), inputs[static_cast<size_t>(k)], stage == RecipeStage::Photos,
                   [&c, stage](bool resuming) {
                     c.resuming = resuming;
                     return run_stage(stage, c);
                   }});
  }
  return out;
}

}  // namespace

RecipeRunResult recipe_status(const StyleRecipe& recipe, const RecipeRunOptions& options) {
  const RecipeProgress none;
  Context c{recipe, resolved(recipe, options), none, std::nullopt};
  return recipe_stages_status(stage_definitions(c), c.options.cache_dir);
}

RecipeRunResult run_style_recipe(const StyleRecipe& recipe, const RecipeRunOptions& options, const RecipeProgress& progress) {
  Context c{recipe, resolved(recipe, options), progress, std::nullopt};
  return run_recipe_stages(stage_definitions(c), c.options.cache_dir, c.options);
}

}  // namespace lorastudio
