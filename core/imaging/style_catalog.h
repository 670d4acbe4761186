#pragma once
// The style world's styles: each a deterministic, local function image → stylized image (core/imaging/
// style_ops.h), so that for any photo the style's true output is known and a generated LoRA can be scored
// against it.
//
// standard_styles() is the fixed suite: 45 training styles in eight families (sketch, paint, relief, screen,
// colour map, tone, painting, reference) and 6 held-out styles never trained on. The reference family is
// parameterised by an image: its colours (Lab mean and spread) are transferred to the photo, with dark
// outlines as strong as the reference is busy and a softening as strong as it is smooth, so that any image
// a user drops defines a style with a true target output (reference_style()).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "core/imaging/style_ops.h"

namespace lorastudio {

enum class StyleFamily { Sketch, Paint, Relief, Screen, Colormap, Tone, Painting, Reference };
const char* style_family_name(StyleFamily family);  // "sketch", "paint", …
std::optional<StyleFamily> parse_style_family(const std::string& name);

struct Style {
  std::string name;          // "pencil_gray", "ref_chelsea"
  StyleFamily family = StyleFamily::Sketch;
  std::string description;   // one line for users
  std::string reference;     // painting and reference families: the image that defines the style
  bool held_out = false;     // never trained on: it measures generalisation to unseen styles
  std::function<torch::Tensor(const torch::Tensor&)> apply;  // [3, H, W] in [0, 1] → same size
};

// What a reference image defines.
struct ReferenceStyleParams {
  style_ops::LabStats colours;  // target Lab mean and spread
  double edge_strength = 0;     // 0..0.8: outline darkness, from the reference's edge density
  double blur_sigma = 0;        // 0..1.5 px: softening, for smooth references
};
ReferenceStyleParams reference_style_params(const torch::Tensor& reference);
Style reference_style(const std::string& name, const torch::Tensor& reference, bool held_out = false);
Style reference_style(const std::string& name, const ReferenceStyleParams& params, bool held_out = false);
// The parameters as JSON ({"lab_mean": [3], "lab_std": [3], "edge_strength", "blur_sigma"}) and back; the
// reader throws FileError(label, …) for a malformed object.
nlohmann::json reference_params_to_json(const ReferenceStyleParams& params);
ReferenceStyleParams reference_params_from_json(const nlohmann::json& j, const std::string& label);

// Loads an image of the photo set by name ("starry_night", "chelsea", …) as [3, H, W] in [0, 1].
using ImageByName = std::function<torch::Tensor(const std::string& name)>;

// What the suite takes from an image of the photo set: only these parameters (paintings use their colours).
using ReferenceParamsByName = std::function<ReferenceStyleParams(const std::string& name)>;

// The fixed suite, training styles first, in a fixed order. Throws Error without OpenCV.
std::vector<Style> standard_styles(const ImageByName& image_of);
// The same suite from the parameters of its images (a demo bundle stores them instead of the photos).
std::vector<Style> standard_styles_from_params(const ReferenceParamsByName& params_of);
// The names of the photos standard_styles() loads through image_of (references and paintings).
std::vector<std::string> standard_style_images();

}  // namespace lorastudio
