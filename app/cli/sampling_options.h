#pragma once
// The sampling options the evaluation commands share (--samples, --sampler, --steps, --guidance, --seed): declared
// once, read once.
#include <cstdint>

#include "app/cli/arg_parser.h"
#include "core/generator/generation.h"

namespace lorastudio::cli {

// Declares the five options; `what` names what N adapters are generated for ("style", "task").
void add_sampling_options(ArgParser& p, const char* what);
// The sampler, steps, guidance and seed of the options; `samples` receives --samples.
GenerateOptions sampling_options_from(const ArgParser& p, int64_t& samples);

}  // namespace lorastudio::cli
