#pragma once
// The style world's evaluation in the form of Cond P-Diff's Table 2, on the held-out photos: for every style,
// the stylizer's output under each method against the style's true output (PSNR, SSIM, and the sliced
// Wasserstein distance between the output and true patch distributions), averaged over seen and over held-out
// styles. Methods:
//  - no LoRA                       the stylizer alone
//  - original (best checkpoint)    the harvested checkpoint with the best training-split score
//  - ΔW soup                       the exact mean ΔW of the style's harvested checkpoints
//  - generated (best of N)         N generated adapters, the one with the best training-split score
//  - generated (mean of N)         the mean of the N adapters' scores
//  - nearest seen style's LoRA     held-out styles: the best checkpoint of the seen style whose condition images
//                                  are nearest (sliced Wasserstein) — retrieval instead of generation
//  - wrong condition (control)     generated from another style's condition, best of N by this style's score
// plus, per style, how many generated adapters lie nearest (in ΔW space) to a checkpoint of their own style, and
// for seen styles the engine's memorisation report (copies, memorisation ratio, diversity).
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/style/style_world.h"
#include "core/style/stylizer.h"
#include "core/zoo/zoo.h"

namespace lorastudio {

struct ImageScores {
  double psnr = std::numeric_limits<double>::quiet_NaN();  // mean over photos, dB
  double ssim = std::numeric_limits<double>::quiet_NaN();  // mean over photos
  double swd = std::numeric_limits<double>::quiet_NaN();   // outputs vs truths (×1000; lower is better)
};
// Outputs against truths, photo by photo.
ImageScores score_images(const std::vector<torch::Tensor>& outputs, const std::vector<torch::Tensor>& truths);

enum class StyleMethod { NoLora, BestOriginal, Soup, GeneratedBest, GeneratedMean, NearestSeen, WrongCondition };
constexpr int kStyleMethodCount = 7;
const char* style_method_name(StyleMethod m);  // "no LoRA", …

struct StyleResult {
  std::string style;
  bool held_out = false;
  std::map<StyleMethod, ImageScores> scores;
  std::string nearest_seen_style;  // held-out styles
  std::string control_style;       // whose condition the control used
  int64_t samples = 0;
  int64_t own_style_nearest = 0;   // generated adapters whose nearest checkpoint (both zoos, ΔW space) is this style's
  nlohmann::json memorization;     // seen styles: the memorisation report (JSON), else null
};

struct StyleEvaluationOptions {
  int64_t samples = 10;            // N generated per style
  GenerateOptions generate;        // sampler, steps, guidance, seed (count is `samples`)
  int64_t validation_pairs = 32;   // training-split pairs that rank checkpoints and samples
  int64_t patch = 48;
  std::vector<std::string> styles; // empty: every style in the two zoos
};

struct StyleEvaluation {
  std::vector<StyleResult> styles;
  bool cancelled = false;  // stopped by the progress callback; `styles` holds those finished
  // Mean of each method's scores over seen (held_out = false) or held-out styles; NaN where none.
  ImageScores mean(StyleMethod method, bool held_out) const;
  double own_style_rate(bool held_out) const;  // fraction of generated adapters nearest their own style
  nlohmann::json to_json() const;
  std::string to_markdown() const;
};

// style index (0-based), total, name; return false to cancel.
using StyleEvaluationProgress = std::function<bool(int index, int total, const std::string& style)>;

StyleEvaluation evaluate_styles(const StyleWorld& world, Stylizer& stylizer, ConditionalGenerator& generator,
                                const Zoo& seen, const Zoo& held_out, const StyleEvaluationOptions& options,
                                const StyleEvaluationProgress& progress = {});

}  // namespace lorastudio
