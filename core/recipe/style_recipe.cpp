#include "core/recipe/style_recipe.h"


#include "core/recipe/recipe_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"


namespace lorastudio {

namespace {

constexpr const char* kStageNames[] = {"photos", "stylizer", "styles", "generator", "evaluation", "bundle"};
void read_stylizer(const JsonReader& s, StyleRecipe& r) {
  s.only({"channels", "blocks", "steps", "batch", "patch", "lr"});
  s.read("channels", r.stylizer.channels, 1, 1024);
  s.read("blocks", r.stylizer.blocks, 0, 64);
  s.read("steps", r.pretraining.steps, 1, 10000000);
  s.read("batch", r.pretraining.batch, 1, 4096);
  s.read("patch", r.pretraining.patch, 8, 1024);
  s.read("lr", r.pretraining.lr, 0.0, 1.0, Bound::Open);
  if (r.pretraining.patch % 2) s.fail("patch", "must be even");
}

void read_styles(const JsonReader& s, StyleRecipe& r) {
  s.only({"only", "steps", "keep", "batch", "lr", "gradient_weight", "rank", "alpha", "freeze_a", "pairs",
          "validation_pairs", "patch"});
  StyleHarvestOptions& t = r.harvest.tuning;
  if (s.has("only")) r.harvest.styles = s.strings_at("only");
  s.read("steps", t.steps, 1, 1000000);
  s.read("keep", t.keep_last, 1, t.steps);
  s.read("batch", t.batch, 1, 4096);
  s.read("lr", t.lr, 0.0, 1.0, Bound::Open);
  s.read("gradient_weight", t.gradient_weight, 0.0, 100.0);
  s.read("rank", t.lora.rank, 1, 512);
  s.read("alpha", t.lora.alpha, 0.0, 1e6, Bound::Open);
  s.read("freeze_a", t.freeze_a);
  s.read("pairs", r.harvest.pairs, 1, 1000000);
  s.read("validation_pairs", r.harvest.validation_pairs, 1, 100000);
  s.read("patch", r.harvest.patch, 8, 1024);
  if (r.harvest.patch % 2) s.fail("patch", "must be even");
}

void read_evaluation(const JsonReader& e, StyleRecipe& r) {
  e.only({"samples", "sampler", "steps", "guidance", "styles", "validation_pairs"});
  StyleEvaluationOptions& o = r.evaluation;
  e.read("samples", o.samples, 1, 1000);
  read_sampling(e, o.generate);
  e.read("validation_pairs", o.validation_pairs, 1, 100000);
  if (e.has("styles")) o.styles = e.strings_at("styles");
  o.patch = r.harvest.patch;
}

void read_bundle(const JsonReader& b, StyleRecipe& r) {
  b.only({"float16", "check_styles", "check_photos", "check_samples", "check_size"});
  b.read("float16", r.float16);
  if (b.has("check_styles")) r.check.styles = b.strings_at("check_styles");
  if (b.has("check_photos")) r.check.photos = b.strings_at("check_photos");
  b.read("check_samples", r.check.samples, 1, 64);
  b.read("check_size", r.check.size, 16, 1024);
  if (r.check.size % 2) b.fail("check_size", "must be even");
}

}  // namespace

const char* recipe_stage_name(RecipeStage stage) { return kStageNames[static_cast<int>(stage)]; }

RecipeStage parse_recipe_stage(const std::string& name) {
  for (int i = 0; i < kRecipeStageCount; ++i)
    if (name == kStageNames[i]) return static_cast<RecipeStage>(i);
  throw Error("unknown recipe stage \"" + name + "\" (stages: photos, stylizer, styles, generator, evaluation, bundle)");
}

StyleRecipe StyleRecipe::load(const std::string& path) {
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  r.only({"format", "name", "description", "world", "seed", "stylizer", "styles", "generator", "evaluation", "bundle",
          "comment"});
  const RecipeHeader header = read_recipe_header(r, "style");
  StyleRecipe recipe;
  recipe.path = path;
  recipe.name = header.name;
  recipe.description = header.description;
  recipe.seed = header.seed;
  read_stylizer(r.child("stylizer"), recipe);
  read_styles(r.child("styles"), recipe);
  recipe.generator = read_recipe_generator(r, path);
  read_evaluation(r.child("evaluation"), recipe);
  read_bundle(r.child("bundle"), recipe);
  recipe.pretraining.seed = recipe.harvest.tuning.seed = recipe.generator.train.seed = recipe.seed;
  recipe.evaluation.generate.seed = recipe.seed;
  recipe.generator.train.device = "cpu";  // the recipe's figures are the CPU's (a CUDA run would differ)
  return recipe;
}

nlohmann::json StyleRecipe::stage_parameters(RecipeStage stage) const {
  const auto& t = harvest.tuning;
  const auto& e = evaluation;
  switch (stage) {
    case RecipeStage::Photos: return {{"condition_photos", StyleWorldOptions{}.condition_photos}};
    case RecipeStage::Stylizer:
      return {{"channels", stylizer.channels}, {"blocks", stylizer.blocks}, {"steps", pretraining.steps},
              {"batch", pretraining.batch}, {"patch", pretraining.patch}, {"lr", pretraining.lr}, {"seed", seed}};
    case RecipeStage::Styles:
      return {{"only", harvest.styles}, {"steps", t.steps}, {"keep", t.keep_last}, {"batch", t.batch}, {"lr", t.lr},
              {"gradient_weight", t.gradient_weight}, {"rank", t.lora.rank}, {"alpha", t.lora.alpha},
              {"freeze_a", t.freeze_a}, {"pairs", harvest.pairs}, {"validation_pairs", harvest.validation_pairs},
              {"patch", harvest.patch}, {"seed", seed}};
    case RecipeStage::Generator: return generator.to_json();
    case RecipeStage::Evaluation:
      return {{"samples", e.samples}, {"sampler", e.generate.sampler}, {"steps", e.generate.steps},
              {"guidance", e.generate.guidance}, {"validation_pairs", e.validation_pairs}, {"styles", e.styles},
              {"seed", seed}};
    case RecipeStage::Bundle:
      return {{"name", name}, {"float16", float16}, {"check_styles", check.styles}, {"check_photos", check.photos},
              {"check_samples", check.samples}, {"check_size", check.size},
              // What the stage writes: a bundle made before a part was added is out of date.
              {"contents", "networks, latent atlas with soups, styles with reference scores, check, preview photos"}};
  }
  return {};
}

}  // namespace lorastudio
