#pragma once
// Writing a style demo bundle (style_demo.h) from what a recipe made: its stylizer, harvest, generator and
// evaluation. The bundle is assembled under a temporary name beside `out_dir` and renamed into place, so an
// interrupted write never leaves half a bundle where a good one was.
#include <cstdint>
#include <string>
#include <vector>

#include "core/style/style_world.h"

namespace lorastudio {

struct DemoCheckOptions {
  std::vector<std::string> styles;  // styles whose figures the bundle records (empty: 3 seen + 2 held-out)
  std::vector<std::string> photos;  // evaluation photos they are measured on (empty: the first 2)
  int64_t samples = 2;              // adapters generated per style
  int64_t size = 96;                // longest side of the check photos
  int64_t preview_size = 256;       // longest side of the preview photos (the studio's λ previews)
  int64_t previews = 4;             // preview photos: the check photos, then further evaluation photos
  int64_t steps = 25;               // DDIM steps
  uint64_t seed = 0;
};

struct StyleDemoSources {
  std::string name;            // the bundle's name ("style-procedural")
  std::string recipe;          // the recipe file's name, recorded
  std::string stylizer_file;   // stylizer.safetensors
  std::string harvest_dir;     // harvest-styles output (zoo, held-out-zoo)
  std::string generator_dir;   // the trained generator
  std::string evaluation_dir;  // evaluation.json and evaluation.md
  bool float16 = true;         // network weights as float16 (normalisation statistics stay float32)
  DemoCheckOptions check;
};

// Writes the bundle to `out_dir` (replacing one there). Returns its size in bytes.
int64_t write_style_demo(const StyleWorld& world, const StyleDemoSources& sources, const std::string& out_dir);

}  // namespace lorastudio
