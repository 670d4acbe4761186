// lora-studio-cli train --zoo ZOO --config CFG -o GEN [--resume]
#include <cstdio>
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/device_option.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/generator/generator_trainer.h"
#include "core/zoo/zoo.h"

namespace lorastudio::cli {

int run_train(int argc, char** argv) {
  ArgParser p("train", "Train a conditional LoRA generator on a zoo: the parameter autoencoder, then the conditional\n"
                       "latent diffusion model. Ctrl-C stops after saving the training state; --resume continues.");
  p.option("--zoo", "ZOO", "zoo directory (see 'zoo import')", "", true)
      .option("--config", "CFG", "generator config JSON (see models/configs/)", "", true)
      .option("-o", "GEN", "output generator directory", "", true)
      .flag("--resume", "continue an interrupted run in GEN")
      .option("--device", "cpu|cuda", "override train.device")
      .option("--report-every", "N", "progress report interval in steps", "50");
  if (!p.parse(argc, argv)) return 0;
  GeneratorConfig config = GeneratorConfig::load(p.get("--config"));
  if (p.has("--device")) config.train.device = device_option(p).is_cuda() ? "cuda" : "cpu";
  else if (config.train.device == "cuda") (void)parse_device_name("cuda", p.get("--config") + ": train.device");
  const int64_t report_every = p.get_int("--report-every", 1, 1000000000);
  Zoo zoo = Zoo::open(p.get("--zoo"));
  std::cerr << "training on " << zoo.tasks().size() << " tasks, " << zoo.checkpoint_count() << " checkpoints, D = "
            << format_count(zoo.dim()) << " (" << config.train.device << ")\n";
  watch_interrupts();
  ProgressBar bar;
  std::string stage;
  TrainResult r = train_generator(zoo, config, p.get("-o"), p.has("--resume"), [&](const TrainProgress& pr) {
    if (pr.stage != stage) {
      bar.finish();
      stage = pr.stage;
    }
    char label[160];
    std::snprintf(label, sizeof(label), "%s loss %.4g lr %.2g %.1f steps/s", pr.stage.c_str(), pr.loss, pr.learning_rate,
                  pr.steps_per_second);
    bar.update(pr.step, pr.total, label);
    return !interrupted();
  }, report_every);
  bar.finish();
  if (r.cancelled) {
    std::cerr << "stopped; the training state is saved: run again with --resume to continue\n";
    return 130;
  }
  std::cout << "wrote generator " << r.output_dir << "\n"
            << "  autoencoder loss " << format_double(r.final_autoencoder_loss, 4) << ", relative reconstruction error "
            << format_double(r.reconstruction_error, 4) << " (" << format_double(r.reconstruction_to_spread, 3)
            << "× the spread of a task's checkpoints)\n"
            << "  diffusion loss " << format_double(r.final_diffusion_loss, 4) << "\n";
  return 0;
}

}  // namespace lorastudio::cli
