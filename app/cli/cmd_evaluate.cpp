// lora-studio-cli evaluate --zoos DIR --generator GEN --stylizer W -o OUT [--samples N] [--styles a,b] ...
// lora-studio-cli evaluate --harvest DIR --generator GEN -o OUT ...   (the text world: evaluate-text)
// The style world's Table 2 (Cond P-Diff's form): every method's PSNR, SSIM and patch-distribution distance
// against each style's true output on the held-out photos, for seen and held-out styles; printed as Markdown and
// saved as OUT/evaluation.json and OUT/evaluation.md.
#include <iostream>
#include <sstream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "app/cli/sampling_options.h"
#include "core/imaging/photo_set.h"
#include "core/style/style_evaluation.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer_file.h"

namespace lorastudio::cli {

namespace {

StyleEvaluationOptions options_from(const ArgParser& p) {
  StyleEvaluationOptions o;
  o.generate = sampling_options_from(p, o.samples);
  if (p.has("--styles")) o.styles = split_commas(p.get("--styles"));
  return o;
}

}  // namespace

int run_evaluate(int argc, char** argv) {
  // A text harvest names the text world: its Table 1, with evaluate-text's options.
  for (int i = 0; i < argc; ++i)  // argv holds the command's arguments only
    if (std::string(argv[i]) == "--harvest") return run_evaluate_text(argc, argv);
  ArgParser p("evaluate",
              "Evaluate a style generator in the form of Cond P-Diff's Table 2: no LoRA, the best original checkpoint,\n"
              "the ΔW soup, generated adapters (best of N by training-split score, and the mean), for held-out styles\n"
              "the nearest seen style's LoRA, and a wrong-condition control; PSNR, SSIM and the sliced Wasserstein\n"
              "patch distance against each style's true output on the held-out photos.\n"
              "With --harvest DIR (a text recipe's CACHE/harvest) instead: the text world's Table 1 (evaluate-text).");
  p.option("--zoos", "DIR", "the harvest directory (DIR/zoo and DIR/held-out-zoo, from harvest-styles)", "", true)
      .option("--generator", "GEN", "the trained generator directory", "", true)
      .option("--stylizer", "FILE", "the stylizer the style LoRAs adapt", "", true)
      .option("-o", "OUT", "output directory for evaluation.json and evaluation.md", "", true)
      .option("--photos", "DIR", "photo folder (default: $LORASTUDIO_PHOTOS or the cache)")
      .option("--styles", "A,B,...", "only these styles");
  add_sampling_options(p, "style");
  if (!p.parse(argc, argv)) return 0;
  const StyleEvaluationOptions o = options_from(p);
  Stylizer stylizer = load_stylizer(p.get("--stylizer"));
  ConditionalGenerator generator = ConditionalGenerator::load(p.get("--generator"));
  const Zoo seen = Zoo::open(seen_zoo_dir(p.get("--zoos"))), held_out = Zoo::open(held_out_zoo_dir(p.get("--zoos")));
  const StyleWorld world = StyleWorld::open(p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir());
  watch_interrupts();
  ProgressBar bar;
  const StyleEvaluation ev = evaluate_styles(world, stylizer, generator, seen, held_out, o, [&](int i, int n, const std::string& s) {
    bar.update(i, n, s);
    return !interrupted();
  });
  bar.finish();
  return write_evaluation_report(p.get("-o"), ev.to_json(), ev.to_markdown(), ev.cancelled, "styles");
}

}  // namespace lorastudio::cli
