#include "core/world/studio_world.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/generator/condition_encoder.h"
#include "core/imaging/image_io.h"
#include "core/style/style_demo.h"
#include "core/textworld/text_demo.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/world/style_studio_world.h"
#include "core/world/synthetic_text_world.h"
#include "core/world/text_studio_world.h"
#include "core/world/zoo_world.h"

namespace fs = std::filesystem;

namespace lorastudio {

std::string to_string(ConditionKind kind) { return kind == ConditionKind::Image ? "image" : "text"; }

ConditionInput WorldCondition::input() const {
  ConditionInput in;
  if (!image.empty()) {
    in.image = load_rgb_image(image);
  } else {
    in.text = text;
    in.examples = examples;
  }
  return in;
}

const WorldCondition* StudioWorld::condition(const std::string& name) const {
  for (const auto& c : conditions())
    if (c.name == name) return &c;
  return nullptr;
}

std::string StudioWorld::task_of(const WorldCondition& condition) const {
  for (const auto& c : conditions())
    if (c.name == condition.name || (condition.image.empty() && !condition.text.empty() && c.text == condition.text)) return c.name;
  return {};
}

bool world_file_has_format(const std::string& dir, const std::string& format) {
  const fs::path p = fs::path(dir) / "world.json";
  if (!fs::exists(p)) return false;
  const nlohmann::json j = parse_json(read_text_file(p.string()), p.string());
  return j.is_object() && j.value("format", "") == format;
}

std::shared_ptr<const StudioWorld> open_studio_world(const std::string& name_or_dir, const std::string& models_dir,
                                                     const WorldProgress& progress) {
  if (name_or_dir == "synthetic-text") {
    const std::string dir = synthetic_text_world_dir();
    if (!SyntheticTextWorld::holds(dir)) {
      if (progress) progress("building the synthetic text world (once; it is kept in " + dir + ")");
      build_synthetic_text_world(dir, {}, progress);
    }
    return SyntheticTextWorld::open(dir);
  }
  if (SyntheticTextWorld::holds(name_or_dir)) return SyntheticTextWorld::open(name_or_dir);
  if (ZooWorld::holds(name_or_dir)) return ZooWorld::open(name_or_dir);
  const std::string bundle = find_demo_bundle(name_or_dir, models_dir);
  if (textworld::is_text_demo(bundle)) return TextStudioWorld::load(bundle);
  return StyleStudioWorld::load(bundle);
}

}  // namespace lorastudio
