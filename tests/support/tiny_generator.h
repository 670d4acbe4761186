#pragma once
// A tiny untrained conditional generator (two text tasks "red" and "blue", two LoRA modules of 16×16 at
// rank 2) for tests of generation and of the engine API: fast on the CPU, deterministic.
#include <string>
#include <vector>

#include "core/generator/conditional_generator.h"

namespace lorastudio::test {

GeneratorConfig tiny_generator_config(const std::string& condition_kind = "text");
// `images`: condition image files of the tasks, in order (image-conditioned generators). `varying` > 0: the
// autoencoder sees only that many coordinates (every other one from 0), the others decode to the task mean.
ConditionalGenerator tiny_generator(BalanceOptions balance = {}, const std::string& condition_kind = "text",
                                    const std::vector<std::string>& images = {}, int64_t varying = 0);

}  // namespace lorastudio::test
