#pragma once
// What every recipe file shares: its format string, its world, and its generator (an inline config or a config
// file named relative to the recipe).
#include <string>

#include "core/generator/generation.h"
#include "core/generator/generator_config.h"
#include "core/util/json_reader.h"

namespace lorastudio {

inline constexpr const char* kRecipeFormat = "lora-studio-recipe";

// The recipe file's "world" ("style", "text"); FileError when it is not a recipe.
std::string recipe_world(const std::string& path);
struct RecipeHeader {
  std::string name;  // the bundle's and the cache folder's name
  std::string description;
  uint64_t seed = 0;
};
// Refuses a file whose "format" is not a recipe's or whose "world" is not `world`; reads name (a folder name),
// description and seed.
RecipeHeader read_recipe_header(const JsonReader& r, const std::string& world);

// "generator": an object, or a path relative to the recipe's folder. FileError naming the key.
GeneratorConfig read_recipe_generator(const JsonReader& r, const std::string& recipe_path);

}  // namespace lorastudio
