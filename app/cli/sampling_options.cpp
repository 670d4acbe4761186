#include "app/cli/sampling_options.h"

#include <string>

namespace lorastudio::cli {

void add_sampling_options(ArgParser& p, const char* what) {
  p.option("--samples", "N", std::string("adapters generated per ") + what, "10")
      .option("--sampler", "S", "ddim, ddpm or dpmpp", "ddim")
      .option("--steps", "N", "sampling steps", "25")
      .option("--guidance", "G", "classifier-free guidance scale", "1")
      .option("--seed", "SEED", "sampling seed", "0");
}

GenerateOptions sampling_options_from(const ArgParser& p, int64_t& samples) {
  samples = p.get_int("--samples", 1, 1000);
  GenerateOptions o;
  o.sampler = p.get_choice("--sampler", {"ddim", "ddpm", "dpmpp"});
  o.steps = p.get_int("--steps", 1, 1000);
  o.guidance = p.get_double("--guidance", 0.0, 50.0);
  o.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  return o;
}

}  // namespace lorastudio::cli
