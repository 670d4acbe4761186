#include "core/style/style_zoo_harvest.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "core/imaging/image_io.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

Zoo open_or_create(const std::string& dir) { return Zoo::exists(dir) ? Zoo::open(dir) : Zoo::create(dir); }

// The style's condition images written as PNG files (the zoo keeps its own copies).
TaskCondition write_condition(const StyleWorld& world, const Style& style, const std::string& out_dir) {
  const fs::path dir = fs::path(out_dir) / "conditions" / style.name;
  fs::create_directories(dir);
  std::vector<std::string> paths;
  const std::vector<torch::Tensor> images = world.condition_images(style);
  for (size_t i = 0; i < images.size(); ++i) {
    paths.push_back((dir / (std::to_string(i) + ".png")).string());
    save_rgb_image(paths.back(), images[i]);
  }
  TaskCondition c = TaskCondition::from_images(paths);
  c.text = style.description;
  return c;
}

std::vector<const Style*> chosen_styles(const StyleWorld& world, const std::vector<std::string>& names) {
  std::vector<const Style*> out;
  if (names.empty())
    for (const auto& s : world.styles()) out.push_back(&s);
  for (const auto& n : names) out.push_back(&world.style(n));
  return out;
}

std::vector<ZooCheckpoint> zoo_checkpoints(const StyleHarvest& h, const std::string& style) {
  std::vector<ZooCheckpoint> out;
  for (const auto& c : h.checkpoints)
    out.push_back({c.adapter, style + "@step" + std::to_string(c.step),
                   {{"score_psnr", c.score_psnr}, {"step", static_cast<double>(c.step)}, {"base_psnr", h.base_psnr}}});
  return out;
}

uint64_t style_seed(uint64_t seed, const std::string& name) { return seed * 1000003 + std::hash<std::string>{}(name) % 1000003; }

}  // namespace

std::string seen_zoo_dir(const std::string& out_dir) { return (fs::path(out_dir) / "zoo").string(); }
std::string held_out_zoo_dir(const std::string& out_dir) { return (fs::path(out_dir) / "held-out-zoo").string(); }

StyleZooSummary harvest_style_zoo(const StyleWorld& world, Stylizer& stylizer, const StyleZooPlan& plan,
                                  const StyleZooProgress& progress) {
  if (plan.out_dir.empty()) throw Error("harvest: no output directory");
  const std::vector<const Style*> styles = chosen_styles(world, plan.styles);
  StyleZooSummary summary;
  for (size_t i = 0; i < styles.size(); ++i) {
    const Style& style = *styles[i];
    const std::string dir = style.held_out ? held_out_zoo_dir(plan.out_dir) : seen_zoo_dir(plan.out_dir);
    if (Zoo::exists(dir) && Zoo::open(dir).has_task(style.name)) {
      summary.skipped.push_back(style.name);
      continue;
    }
    StyleHarvestOptions tuning = plan.tuning;
    tuning.seed = style_seed(plan.tuning.seed, style.name);
    tuning.init_seed = plan.tuning.seed;
    const StylePairs train = style_pairs(style, world.tuning_photos(), plan.pairs, plan.patch, tuning.seed);
    const StylePairs validation = style_pairs(style, world.tuning_photos(), plan.validation_pairs, plan.patch, tuning.seed + 17);
    const StyleHarvest h = harvest_style(stylizer, train, validation, tuning, [&](int64_t step, int64_t steps, double loss) {
      return !progress || progress({style.name, static_cast<int>(i), static_cast<int>(styles.size()), step, steps, loss});
    });
    if (h.cancelled) {
      summary.cancelled = true;
      break;
    }
    Zoo zoo = open_or_create(dir);
    zoo.add_task(style.name, write_condition(world, style, plan.out_dir), zoo_checkpoints(h, style.name));
    summary.harvested.push_back(style.name);
    summary.base_score[style.name] = h.base_psnr;
    double best = -1e300;
    for (const auto& c : h.checkpoints) best = std::max(best, c.score_psnr);
    summary.best_score[style.name] = best;
  }
  return summary;
}

}  // namespace lorastudio
