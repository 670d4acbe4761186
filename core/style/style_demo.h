#pragma once
// A style demo bundle (models/demo/<name>/): what the studio and `generate --demo` need, offline, made by a
// recipe's bundle stage (core/recipe/). One folder:
//   demo.json              format, name, recipe, the styles (name, family, description, held out or seen,
//                          condition images), the parameters of the images the suite's painting and reference
//                          styles are defined by (so true outputs are exact without the photos), the check
//   stylizer.safetensors   the base model
//   generator/             the generator bundle; its images/ hold the seen styles' condition images
//   styles/                the held-out styles' condition images
//   evaluation.json, .md   the recipe's Table 2
//   check/                 check photos and each check style's true outputs on them (PNG)
// The check: figures the bundle reproduces with today's code (generated adapters' PSNR on the check photos,
// with a fixed seed), so a stale bundle is caught by a test.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "core/generator/conditional_generator.h"
#include "core/generator/latent_atlas.h"
#include "core/imaging/style_catalog.h"
#include "core/style/stylizer.h"

namespace lorastudio {

inline constexpr const char* kStyleDemoFormat = "lora-studio-style-demo";
inline constexpr int kStyleDemoVersion = 1;

// What the style's own adapters score on the bundle's check photos (mean PSNR against the style's true
// output, dB): what a generated candidate is measured against in the studio's results table.
struct DemoStyleScores {
  double base = 0;             // the stylizer alone
  double original_best = 0;    // the best of the style's training checkpoints
  double original_median = 0;  // their median
  double soup = 0;             // the ΔW soup of the checkpoints (exact: mean ΔW)
  nlohmann::json to_json() const;
};

struct DemoStyle {
  std::string name, family, description;
  bool held_out = false;                // never trained on
  std::vector<std::string> conditions;  // absolute paths of its condition images
  std::optional<DemoStyleScores> scores;  // absent in older bundles
};

struct DemoCheckFigure {
  std::string style;
  double base_psnr = 0;                 // no LoRA, mean over the check photos
  std::vector<double> sample_psnr;      // each generated adapter, mean over the check photos
};

struct DemoCheck {
  std::vector<std::string> photos;      // file names in check/photos
  std::vector<std::string> previews;    // file names in check/previews: larger photos the studio previews on (optional)
  std::vector<DemoCheckFigure> figures;
  int64_t samples = 2, steps = 25;
  std::string sampler = "ddim";
  uint64_t seed = 0;
  nlohmann::json to_json() const;
  static DemoCheck from_json(const nlohmann::json& j, const std::string& label);
};

class StyleDemo {
 public:
  // Loads and validates every file; FileError naming the file and the problem.
  static StyleDemo load(const std::string& dir);

  std::string dir, name, recipe;
  Stylizer stylizer{nullptr};
  std::shared_ptr<ConditionalGenerator> generator;
  std::vector<DemoStyle> styles;
  std::map<std::string, ReferenceStyleParams> references;  // by photo name ("starry_night", "chelsea", …)
  LatentAtlas atlas;          // the training checkpoints in the generator's latent space (empty in older bundles)
  nlohmann::json evaluation;  // the recipe's evaluation.json
  DemoCheck check;

  const DemoStyle* style(const std::string& name) const;  // nullptr when unknown
  // The style one of whose condition images has exactly these pixels ([3, H, W]), or nullptr.
  const DemoStyle* style_for_image(const torch::Tensor& image) const;
  // The true style function of a bundled style (needs OpenCV): exact, from the stored parameters.
  Style true_style(const std::string& name) const;
  std::string check_photo_path(const std::string& photo) const;
  std::string preview_photo_path(const std::string& photo) const;
  std::string check_truth_path(const std::string& style, const std::string& photo) const;
};

// Generates check.samples adapters per check style (seed, sampler, steps from `check`), scores them on the
// bundle's check photos against the stored true outputs: the figures a bundle records and a test reproduces.
// The mean PSNR of each adapter's output on `photos` ([3, H, W] each) against `truth`'s output: the score
// the bundle's reference scores and the studio's candidates share.
std::vector<double> check_photo_scores(Stylizer& stylizer, const std::vector<const LoraAdapter*>& adapters,
                                       const std::vector<torch::Tensor>& photos, const Style& truth);

std::vector<DemoCheckFigure> measure_demo_check(const StyleDemo& demo, const DemoCheck& check);
// Where `measured` differs from `recorded` by more than `tolerance_db` (or has other styles or counts), one
// line each ("sepia sample 1: recorded 24.31 dB, measured 22.05 dB"); empty when the bundle is reproduced.
std::vector<std::string> demo_check_differences(const DemoCheck& recorded, const std::vector<DemoCheckFigure>& measured,
                                                double tolerance_db);

// The demo search path for `name_or_dir`: a folder holding demo.json, else $LORASTUDIO_DEMOS/<name>, else
// `models_dir`/demo/<name>. FileError listing where it looked.
std::string find_demo_bundle(const std::string& name_or_dir, const std::string& models_dir);

}  // namespace lorastudio
