#pragma once
// A recipe: everything that makes one embedded demo, from photos to the bundle, in one JSON file
// (models/recipes/style-procedural.json). Its stages, in order:
//   photos      the photo set fetched by scripts/fetch-photos.sh (checked, listed)
//   stylizer    the stylizer pretrained to reproduce its input              → CACHE/stylizer.safetensors
//   styles      the style suite harvested into zoos of style LoRAs           → CACHE/harvest/
//   generator   the conditional generator trained on the training zoo        → CACHE/generator/
//   evaluation  the Table-2 evaluation on held-out photos                    → CACHE/evaluation/
//   bundle      the demo bundle (stylizer, styles, generator, figures)       → CACHE/bundle/
// Every random choice derives from the recipe's seed. Unknown keys are errors naming the key.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/generator_config.h"
#include "core/style/style_demo_writer.h"
#include "core/style/style_evaluation.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer.h"
#include "core/style/stylizer_pretraining.h"

namespace lorastudio {

enum class RecipeStage { Photos, Stylizer, Styles, Generator, Evaluation, Bundle };
constexpr int kRecipeStageCount = 6;
const char* recipe_stage_name(RecipeStage stage);               // "photos", …
RecipeStage parse_recipe_stage(const std::string& name);        // Error listing the stages for others

struct StyleRecipe {
  std::string path;         // the file it was read from
  std::string name;         // "style-procedural": the bundle's name
  std::string description;
  uint64_t seed = 0;
  StylizerConfig stylizer;
  StylizerPretrainOptions pretraining;   // its seed is the recipe's
  StyleZooPlan harvest;                  // out_dir is set by the runner; tuning.seed is the recipe's
  GeneratorConfig generator;             // train.seed is the recipe's
  StyleEvaluationOptions evaluation;     // generate.seed is the recipe's
  bool float16 = true;                   // bundle weights as float16 (normalisation statistics stay float32)
  DemoCheckOptions check;

  // Throws FileError naming the file and the key. "generator" is an inline config or a path relative to
  // the recipe's folder.
  static StyleRecipe load(const std::string& path);
  // The parameters of one stage as JSON: a stage whose parameters (and those of every stage before it)
  // are unchanged since it ran is not run again.
  nlohmann::json stage_parameters(RecipeStage stage) const;
};

}  // namespace lorastudio
