// lora-studio-cli zoo synthetic -o ZOO [--tasks K] [--checkpoints N] [--modules M] [--width W] [--rank R] [--seed S]
// A synthetic conditional zoo in a second (text conditions, tasks around distinct centres): something to train
// a generator on when no real zoo is at hand. Its tasks are named task0…; it is labelled synthetic.
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/commands.h"
#include "core/zoo/synthetic_zoo.h"

namespace lorastudio::cli {

int run_zoo_synthetic(int argc, char** argv) {
  ArgParser p("zoo synthetic", "Build a synthetic conditional zoo (text conditions; tasks around distinct centres).");
  p.option("-o", "ZOO", "output zoo directory (new or empty)", "", true)
      .option("--tasks", "K", "number of tasks", "4")
      .option("--checkpoints", "N", "checkpoints per task", "32")
      .option("--modules", "M", "LoRA modules per adapter", "4")
      .option("--width", "W", "module width (square modules)", "16")
      .option("--rank", "R", "LoRA rank", "2")
      .option("--seed", "S", "random seed", "1");
  if (!p.parse(argc, argv)) return 0;
  SyntheticZooSpec spec;
  spec.tasks = static_cast<int>(p.get_int("--tasks", 1, 1000));
  spec.checkpoints = static_cast<int>(p.get_int("--checkpoints", 2, 100000));
  spec.modules = static_cast<int>(p.get_int("--modules", 1, 1000));
  spec.width = p.get_int("--width", 1, 4096);
  spec.rank = p.get_int("--rank", 1, spec.width);
  spec.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  const Zoo zoo = make_synthetic_zoo(p.get("-o"), spec);
  std::cout << "wrote a synthetic zoo to " << p.get("-o") << ": " << spec.tasks << " tasks × " << spec.checkpoints
            << " checkpoints, D = " << zoo.dim() << "\n";
  return 0;
}

}  // namespace lorastudio::cli
