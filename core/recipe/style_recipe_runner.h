#pragma once
// Running a style recipe (style_recipe.h) stage by stage in its cache folder, resumably (recipe_runner.h): an
// interrupted stage goes on where it stopped (the harvest keeps finished styles, training its last saved state).
#include "core/recipe/recipe_runner.h"
#include "core/recipe/style_recipe.h"

namespace lorastudio {

RecipeRunResult run_style_recipe(const StyleRecipe& recipe, const RecipeRunOptions& options,
                                 const RecipeProgress& progress = {});

// Each stage's state, without running anything.
RecipeRunResult recipe_status(const StyleRecipe& recipe, const RecipeRunOptions& options);

}  // namespace lorastudio
