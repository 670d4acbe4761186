#pragma once
// Writing the text world's demo bundle (text_demo.h) from a text recipe's outputs, and measuring its check on the
// written bundle itself, so that the recorded figures are those the bundle reproduces.
#include <cstdint>
#include <cmath>
#include <string>

#include "core/textworld/text_demo.h"

namespace lorastudio::textworld {

struct TextDemoSources {
  std::string name;            // the bundle's name ("text-wordnet")
  std::string recipe;          // the recipe's file name, for the record
  std::string base_dir;        // the yes/no base model's folder
  std::string generator_dir;   // the trained generator bundle
  std::string suite_file;      // tasks.json
  std::string evaluation_dir;  // evaluation.json and evaluation.md (optional)
  std::string harvest_dir;     // the zoo harvest (zoo/, held_out_zoo/): the studio's atlas ("" writes none)
  int64_t atlas_checkpoints = 10;  // per task, evenly spaced over its kept checkpoints (the soup uses them all)
  int64_t max_length = 64;     // tokens per input the zoo was harvested with
  bool float16 = true;         // the base model's and the generator's weights as float16 (round_to_bundle_precision)
  TextDemoCheck check;         // tasks empty: the first three training and the first two held-out tasks
  GenerateOptions sampling;    // the sampler, steps and guidance of the evaluation (the check samples with its guidance)
  double unseen_guidance = NAN;  // the evaluation's for held-out tasks; NaN: sampling.guidance
};

// The generator's weights rounded, in place, to the precision the bundle stores them in (float16 with
// `float16`): a recipe evaluates it so, and its Table 1 is then that of the generator it ships.
void round_to_bundle_precision(ConditionalGenerator& generator, bool float16);

// Writes the bundle as `out_dir` (replacing what is there once the new one is complete); returns its size in bytes.
int64_t write_text_demo(const TextDemoSources& sources, const std::string& out_dir);

}  // namespace lorastudio::textworld
