// lora-studio-cli pretrain-stylizer -o FILE [--photos DIR] [--steps N] ...
// Pretrains the style world's stylizer to reproduce its input on the fetched photos (scripts/fetch-photos.sh)
// and writes its weights (safetensors, keys = module names) with its size and held-out PSNR as metadata.
#include <iostream>

#include <torch/torch.h>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/imaging/photo_set.h"
#include "core/style/stylizer_file.h"
#include "core/style/stylizer_pretraining.h"
#include "core/util/error.h"

namespace lorastudio::cli {
int run_pretrain_stylizer(int argc, char** argv) {
  ArgParser p("pretrain-stylizer",
              "Pretrain the style world's stylizer to reproduce its input (L1 on random patches of the training\n"
              "photos) and write its weights to FILE (safetensors); reports the PSNR on held-out photos.");
  p.option("-o", "FILE", "output weights (.safetensors)", "", true)
      .option("--photos", "DIR", "photo folder (default: $LORASTUDIO_PHOTOS or the cache; see scripts/fetch-photos.sh)")
      .option("--steps", "N", "training steps", "400")
      .option("--batch", "N", "patches per step", "16")
      .option("--patch", "P", "patch side in pixels (even)", "64")
      .option("--lr", "LR", "Adam learning rate", "0.002")
      .option("--seed", "SEED", "random seed", "0")
      .option("--channels", "C", "stylizer width", "48")
      .option("--blocks", "B", "residual blocks", "2");
  if (!p.parse(argc, argv)) return 0;
  StylizerPretrainOptions o;
  o.steps = p.get_int("--steps", 1, 10000000);
  o.batch = p.get_int("--batch", 1, 4096);
  o.patch = p.get_int("--patch", 2, 4096);
  if (o.patch % 2) throw UsageError("--patch: must be even (got " + std::to_string(o.patch) + ")");
  o.lr = p.get_double("--lr", 1e-8, 1.0);
  o.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  StylizerConfig config;
  config.channels = p.get_int("--channels", 1, 1024);
  config.blocks = p.get_int("--blocks", 0, 64);
  const PhotoSet set = PhotoSet::open(p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir());
  const std::vector<torch::Tensor> train = set.load_split("train"), held_out = set.load_split("held_out");
  torch::manual_seed(o.seed);
  Stylizer stylizer(config);
  watch_interrupts();
  ProgressBar bar;
  const StylizerPretrainResult r = pretrain_stylizer(stylizer, train, o, [&](int64_t step, int64_t total, double loss) {
    bar.update(step, total, "L1 " + format_double(loss, 4));
    return !interrupted();
  });
  bar.finish();
  if (r.cancelled) {
    std::cerr << "cancelled after " << r.steps_done << " steps; nothing written\n";
    return 130;
  }
  const double quality = reproduction_psnr(stylizer, held_out, o.patch);
  save_stylizer(stylizer, p.get("-o"), {{"steps", std::to_string(o.steps)}, {"held_out_psnr_db", format_double(quality, 4)}});
  std::cout << "stylizer of " << format_count(stylizer->parameter_count()) << " parameters trained " << o.steps
            << " steps (final L1 " << format_double(r.final_loss, 4) << "); held-out PSNR " << format_double(quality, 4)
            << " dB; written to " << p.get("-o") << "\n";
  return 0;
}

}  // namespace lorastudio::cli
