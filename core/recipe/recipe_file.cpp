#include "core/recipe/recipe_file.h"

#include <filesystem>

#include "core/util/atomic_file.h"

namespace fs = std::filesystem;

namespace lorastudio {

std::string recipe_world(const std::string& path) {
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  if (r.string_at("format") != kRecipeFormat) r.fail("format", std::string("expected \"") + kRecipeFormat + "\"");
  return r.string_at("world");
}

RecipeHeader read_recipe_header(const JsonReader& r, const std::string& world) {
  if (r.string_at("format") != kRecipeFormat) r.fail("format", std::string("expected \"") + kRecipeFormat + "\"");
  if (r.string_at("world") != world) r.fail("world", "expected \"" + world + "\" (recipes: \"style\", \"text\")");
  RecipeHeader h;
  h.name = r.string_at("name");
  if (h.name.empty() || h.name.find_first_of("/\\ ") != std::string::npos)
    r.fail("name", "must be a non-empty folder name without spaces or slashes");
  r.read("description", h.description);
  r.read("seed", h.seed, (uint64_t(1) << 53));
  return h;
}

GeneratorConfig read_recipe_generator(const JsonReader& r, const std::string& path) {
  const nlohmann::json& g = r.at("generator");
  if (g.is_object()) return GeneratorConfig::from_json(g, path + ": generator");
  if (!g.is_string()) r.fail("generator", "expected a generator config (an object) or the path of one");
  const fs::path file = fs::path(path).parent_path() / g.get<std::string>();
  if (!fs::exists(file)) r.fail("generator", "the config file " + file.string() + " does not exist");
  return GeneratorConfig::load(file.string());
}

}  // namespace lorastudio
