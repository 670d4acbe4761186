#pragma once
// Harvesting a zoo of style LoRAs: every style of the style world fine-tuned (style_harvest.h), its last N
// checkpoints with their scores written as one task whose condition is the style's condition images.
// Training styles go to DIR/zoo, held-out styles to DIR/held-out-zoo (never seen by a generator, used to
// score it), condition images to DIR/conditions/<style>/. Resumable: a style whose task is in its zoo is
// skipped, and a style cut off part-way is redone from its start (its zoo is untouched until it is done).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/style/style_harvest.h"
#include "core/style/style_world.h"

namespace lorastudio {

struct StyleZooPlan {
  std::string out_dir;
  std::vector<std::string> styles;  // empty: every style
  StyleHarvestOptions tuning;
  int64_t pairs = 256;              // training pairs per style (cut from the tuning photos)
  int64_t validation_pairs = 32;    // fixed pairs scoring each checkpoint (tuning photos, another seed)
  int64_t patch = 48;
};

struct StyleZooEvent {
  std::string style;
  int index = 0, total = 0;  // style index (0-based) of total
  int64_t step = 0, steps = 0;
  double loss = 0;
};
using StyleZooProgress = std::function<bool(const StyleZooEvent&)>;

struct StyleZooSummary {
  std::vector<std::string> harvested, skipped;
  std::map<std::string, double> best_score, base_score;  // validation PSNR of the best checkpoint / of no LoRA
  bool cancelled = false;
};

StyleZooSummary harvest_style_zoo(const StyleWorld& world, Stylizer& stylizer, const StyleZooPlan& plan,
                                  const StyleZooProgress& progress = {});

std::string seen_zoo_dir(const std::string& out_dir);      // out_dir/zoo
std::string held_out_zoo_dir(const std::string& out_dir);  // out_dir/held-out-zoo

}  // namespace lorastudio
