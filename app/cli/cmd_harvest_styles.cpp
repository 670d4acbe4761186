// lora-studio-cli harvest-styles --stylizer W -o DIR [--styles a,b,...] [--steps N] [--keep N] ...
// Fine-tunes a LoCon style LoRA for every style of the style world on the frozen stylizer and writes the last
// N checkpoints of each, with their scores, as zoos (DIR/zoo for training styles, DIR/held-out-zoo for
// held-out ones). Resumable: styles already in their zoo are skipped.
#include <iostream>
#include <sstream>

#include <torch/torch.h>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/imaging/photo_set.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer_file.h"

namespace lorastudio::cli {
namespace {

StyleZooPlan plan_from(const ArgParser& p) {
  StyleZooPlan plan;
  plan.out_dir = p.get("-o");
  if (p.has("--styles")) plan.styles = split_commas(p.get("--styles"));
  plan.tuning.steps = p.get_int("--steps", 1, 1000000);
  plan.tuning.keep_last = p.get_int("--keep", 1, plan.tuning.steps);
  plan.tuning.batch = p.get_int("--batch", 1, 4096);
  plan.tuning.lr = p.get_double("--lr", 1e-8, 1.0);
  plan.tuning.lora.rank = p.get_int("--rank", 1, 512);
  plan.tuning.lora.alpha = p.get_double("--alpha", 1e-6, 1e6);
  plan.tuning.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  plan.tuning.freeze_a = p.has("--freeze-a");
  plan.pairs = p.get_int("--pairs", 1, 1000000);
  plan.patch = p.get_int("--patch", 8, 1024);
  if (plan.patch % 2) throw UsageError("--patch: must be even");
  return plan;
}

}  // namespace

int run_harvest_styles(int argc, char** argv) {
  ArgParser p("harvest-styles",
              "Fine-tune a LoCon style LoRA per style on the frozen stylizer (L1 + image-gradient L1 on photo patches)\n"
              "and keep the last N checkpoints of each with their scores, as zoos: DIR/zoo (training styles) and\n"
              "DIR/held-out-zoo (held-out styles). Styles already harvested are skipped, so a stopped run resumes.");
  p.option("--stylizer", "FILE", "the pretrained stylizer (lora-studio-cli pretrain-stylizer)", "", true)
      .option("-o", "DIR", "output directory", "", true)
      .option("--photos", "DIR", "photo folder (default: $LORASTUDIO_PHOTOS or the cache; see scripts/fetch-photos.sh)")
      .option("--styles", "A,B,...", "only these styles (default: all; lora-studio-cli styles lists them)")
      .option("--steps", "N", "fine-tuning steps per style", "200")
      .option("--keep", "N", "checkpoints kept per style: the last N steps", "50")
      .option("--batch", "N", "patches per step", "8")
      .option("--lr", "LR", "Adam learning rate", "0.01")
      .option("--rank", "R", "LoRA rank", "4")
      .option("--alpha", "A", "LoRA alpha (scale alpha/rank)", "4")
      .option("--pairs", "N", "training patch pairs per style", "256")
      .option("--patch", "P", "patch side in pixels (even)", "48")
      .option("--seed", "SEED", "random seed", "0")
      .flag("--freeze-a", "train B only (LoRA-FA): A stays the initialisation every style shares");
  if (!p.parse(argc, argv)) return 0;
  const StyleZooPlan plan = plan_from(p);
  Stylizer stylizer = load_stylizer(p.get("--stylizer"));
  const StyleWorld world = StyleWorld::open(p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir());
  watch_interrupts();
  ProgressBar bar;
  std::string current;
  const StyleZooSummary s = harvest_style_zoo(world, stylizer, plan, [&](const StyleZooEvent& e) {
    if (e.style != current && !current.empty()) bar.finish();
    current = e.style;
    bar.update(e.step, e.steps, "style " + std::to_string(e.index + 1) + "/" + std::to_string(e.total) + " " + e.style +
                                    "  loss " + format_double(e.loss, 4));
    return !interrupted();
  });
  if (!current.empty()) bar.finish();
  for (const auto& name : s.harvested)
    std::cout << "  " << pad_right(name, 22) << "no LoRA " << format_double(s.base_score.at(name), 4) << " dB   best checkpoint "
              << format_double(s.best_score.at(name), 4) << " dB\n";
  std::cout << s.harvested.size() << " styles harvested, " << s.skipped.size() << " already there; zoos in "
            << seen_zoo_dir(plan.out_dir) << " and " << held_out_zoo_dir(plan.out_dir) << "\n";
  if (s.cancelled) {
    std::cerr << "cancelled; run the same command again to go on\n";
    return 130;
  }
  return 0;
}

}  // namespace lorastudio::cli
