#pragma once
// Running a text recipe (text_recipe.h) stage by stage in its cache folder, resumably (recipe_runner.h): an
// interrupted harvest keeps its finished tasks, an interrupted generator training its last saved state.
#include "core/recipe/recipe_runner.h"
#include "core/recipe/text_recipe.h"

namespace lorastudio {

RecipeRunResult run_text_recipe(const TextRecipe& recipe, const RecipeRunOptions& options,
                                const RecipeProgress& progress = {});
RecipeRunResult text_recipe_status(const TextRecipe& recipe, const RecipeRunOptions& options);

}  // namespace lorastudio
