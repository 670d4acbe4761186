#include "core/imaging/style_catalog.h"

#include <algorithm>
#include <array>

#include <torch/torch.h>

#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {

namespace {

constexpr const char* kFamilyNames[] = {"sketch", "paint", "relief", "screen", "colormap", "tone", "painting", "reference"};

using Op = std::function<torch::Tensor(const torch::Tensor&)>;

Style make(const std::string& name, StyleFamily family, const std::string& description, Op op, bool held_out = false) {
  Style s;
  s.name = name;
  s.family = family;
  s.description = description;
  s.apply = std::move(op);
  s.held_out = held_out;
  return s;
}

void add_sketches(std::vector<Style>& out) {
  using namespace style_ops;
  out.push_back(make("pencil_gray", StyleFamily::Sketch, "graphite pencil sketch", [](const auto& x) { return pencil(x, false); }));
  out.push_back(make("pencil_colour", StyleFamily::Sketch, "coloured pencil sketch", [](const auto& x) { return pencil(x, true); }));
  out.push_back(make("charcoal", StyleFamily::Sketch, "smudged charcoal on warm paper", [](const auto& x) { return charcoal(x); }));
  out.push_back(make("chalk_green", StyleFamily::Sketch, "chalk on a green board",
                     [](const auto& x) { return chalk(x, {0.10f, 0.22f, 0.16f}); }));
  out.push_back(make("chalk_black", StyleFamily::Sketch, "chalk on a black board",
                     [](const auto& x) { return chalk(x, {0.07f, 0.07f, 0.08f}); }));
  out.push_back(make("ink", StyleFamily::Sketch, "black ink line drawing", [](const auto& x) { return ink(x); }));
}

void add_paint_relief_screen(std::vector<Style>& out) {
  using namespace style_ops;
  out.push_back(make("watercolour", StyleFamily::Paint, "watercolour washes on paper", [](const auto& x) { return watercolour(x); }));
  out.push_back(make("oil", StyleFamily::Paint, "oil paint dabs", [](const auto& x) { return oil(x, 4); }));
  out.push_back(make("cartoon", StyleFamily::Paint, "flat cartoon colours with ink outlines", [](const auto& x) { return cartoon(x); }));
  out.push_back(make("detail", StyleFamily::Paint, "crisp detail enhancement", [](const auto& x) { return detail(x); }));
  out.push_back(make("smooth", StyleFamily::Paint, "edge-preserving smoothing", [](const auto& x) { return smooth(x); }));
  out.push_back(make("emboss", StyleFamily::Relief, "grey embossed relief", [](const auto& x) { return emboss(x, false); }));
  out.push_back(make("emboss_colour", StyleFamily::Relief, "coloured relief", [](const auto& x) { return emboss(x, true); }));
  out.push_back(make("halftone", StyleFamily::Screen, "newspaper halftone dots", [](const auto& x) { return halftone(x, 4); }));
  out.push_back(make("pixelate", StyleFamily::Screen, "2×2 pixel mosaic", [](const auto& x) { return pixelate(x, 2); }));
  out.push_back(make("posterise_3", StyleFamily::Screen, "3 levels per channel", [](const auto& x) { return posterise(x, 3); }));
  out.push_back(make("posterise_5", StyleFamily::Screen, "5 levels per channel", [](const auto& x) { return posterise(x, 5); }));
}

void add_colour_maps(std::vector<Style>& out) {
  // OpenCV's colour maps (cv::ColormapTypes) applied to the luminance.
  static const std::pair<const char*, int> kMaps[] = {
      {"autumn", 0}, {"bone", 1},  {"jet", 2},      {"winter", 3}, {"ocean", 5},     {"summer", 6},     {"cool", 8},
      {"pink", 10},  {"hot", 11},  {"inferno", 14}, {"plasma", 15}, {"viridis", 16}, {"twilight", 18}, {"turbo", 20}};
  for (const auto& [name, id] : kMaps) {
    const int64_t map = id;
    out.push_back(make(std::string("colormap_") + name, StyleFamily::Colormap, std::string("the ") + name + " colour map",
                       [map](const auto& x) { return style_ops::colour_map(x, map); }));
  }
}

void add_tones(std::vector<Style>& out) {
  using namespace style_ops;
  out.push_back(make("sepia", StyleFamily::Tone, "sepia print", [](const auto& x) { return sepia(x); }));
  out.push_back(make("duotone_teal", StyleFamily::Tone, "navy and teal duotone",
                     [](const auto& x) { return duotone(x, {0.05f, 0.08f, 0.25f}, {0.55f, 0.95f, 0.85f}); }));
  out.push_back(make("negative", StyleFamily::Tone, "colour negative", [](const auto& x) { return style_ops::negative(x); }));
  out.push_back(make("faded", StyleFamily::Tone, "faded warm print", [](const auto& x) { return faded(x); }));
}

void add_paintings(std::vector<Style>& out, const ReferenceParamsByName& params_of) {
  using namespace style_ops;
  const LabStats photo = natural_photo_lab_stats();
  const LabStats starry = params_of("starry_night").colours, scream = params_of("scream").colours;
  auto painting = [&](const std::string& name, const std::string& ref, const std::string& what, Op op) {
    Style s = make(name, StyleFamily::Painting, what, std::move(op));
    s.reference = ref;
    out.push_back(std::move(s));
  };
  painting("starry_colours", "starry_night", "The Starry Night's colours (Van Gogh)",
           [=](const auto& x) { return colour_transfer(x, photo, starry); });
  painting("starry_oil", "starry_night", "The Starry Night's colours in oil dabs",
           [=](const auto& x) { return oil(colour_transfer(x, photo, starry), 4); });
  painting("scream_colours", "scream", "The Scream's colours (Munch)", [=](const auto& x) { return colour_transfer(x, photo, scream); });
  painting("scream_watercolour", "scream", "The Scream's colours in watercolour",
           [=](const auto& x) { return watercolour(colour_transfer(x, photo, scream)); });
}

// Reference styles trained on, and the held-out styles (two of them references to images never used as one).
const char* const kSeenReferences[] = {"chelsea", "rocket", "orange", "kite", "aero1", "horses"};
const char* const kHeldOutReferences[] = {"butterfly", "giraffe"};

void add_held_out(std::vector<Style>& out, const ReferenceParamsByName& params_of) {
  using namespace style_ops;
  out.push_back(make("posterise_4", StyleFamily::Screen, "4 levels per channel", [](const auto& x) { return posterise(x, 4); }, true));
  out.push_back(make("colormap_magma", StyleFamily::Colormap, "the magma colour map",
                     [](const auto& x) { return colour_map(x, 13); }, true));
  out.push_back(make("chalk_blue", StyleFamily::Sketch, "chalk on a blue board",
                     [](const auto& x) { return chalk(x, {0.08f, 0.12f, 0.30f}); }, true));
  out.push_back(make("duotone_rose", StyleFamily::Tone, "plum and rose duotone",
                     [](const auto& x) { return duotone(x, {0.25f, 0.05f, 0.20f}, {1.0f, 0.80f, 0.75f}); }, true));
  for (const char* ref : kHeldOutReferences) out.push_back(reference_style(std::string("ref_") + ref, params_of(ref), true));
}

}  // namespace

const char* style_family_name(StyleFamily family) { return kFamilyNames[static_cast<int>(family)]; }

std::optional<StyleFamily> parse_style_family(const std::string& name) {
  for (int i = 0; i < 8; ++i)
    if (name == kFamilyNames[i]) return static_cast<StyleFamily>(i);
  return std::nullopt;
}

ReferenceStyleParams reference_style_params(const torch::Tensor& reference) {
  ReferenceStyleParams p;
  p.colours = style_ops::lab_stats(reference);
  const double density = style_ops::edge_density(reference);
  p.edge_strength = std::clamp((density - 0.02) * 7.0, 0.0, 0.8);
  p.blur_sigma = std::clamp((0.04 - density) * 60.0, 0.0, 1.5);
  return p;
}

Style reference_style(const std::string& name, const torch::Tensor& reference, bool held_out) {
  return reference_style(name, reference_style_params(reference), held_out);
}

Style reference_style(const std::string& name, const ReferenceStyleParams& p, bool held_out) {
  const style_ops::LabStats photo = style_ops::natural_photo_lab_stats();
  Style s = make(name, StyleFamily::Reference, "the colours and texture of a reference image", [=](const torch::Tensor& x) {
    torch::Tensor y = style_ops::colour_transfer(x, photo, p.colours);
    if (p.blur_sigma > 0.05) y = style_ops::gaussian_blur(y, p.blur_sigma);
    return p.edge_strength > 0.01 ? style_ops::edge_darken(y, p.edge_strength) : y;
  }, held_out);
  s.reference = name.rfind("ref_", 0) == 0 ? name.substr(4) : name;
  return s;
}

std::vector<Style> standard_styles(const ImageByName& image_of) {
  return standard_styles_from_params([&](const std::string& name) { return reference_style_params(image_of(name)); });
}

std::vector<Style> standard_styles_from_params(const ReferenceParamsByName& params_of) {
  if (!style_ops::available()) throw Error("the style suite needs OpenCV, and this build has none (LORASTUDIO_WITH_OPENCV=OFF)");
  std::vector<Style> out;
  add_sketches(out);
  add_paint_relief_screen(out);
  add_colour_maps(out);
  add_tones(out);
  add_paintings(out, params_of);
  for (const char* ref : kSeenReferences) out.push_back(reference_style(std::string("ref_") + ref, params_of(ref)));
  add_held_out(out, params_of);
  return out;
}

std::vector<std::string> standard_style_images() {
  std::vector<std::string> names = {"starry_night", "scream"};
  for (const char* r : kSeenReferences) names.push_back(r);
  for (const char* r : kHeldOutReferences) names.push_back(r);
  return names;
}

}  // namespace lorastudio

namespace lorastudio {

namespace {

std::array<float, 3> three_floats(const JsonReader& r, const std::string& key) {
  const nlohmann::json& v = r.at(key);
  if (!v.is_array() || v.size() != 3) r.fail(key, "expected an array of 3 numbers");
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    if (!v[i].is_number()) r.fail(key, "expected an array of 3 numbers");
    out[i] = v[i].get<float>();
  }
  return out;
}

}  // namespace

nlohmann::json reference_params_to_json(const ReferenceStyleParams& p) {
  return {{"lab_mean", p.colours.mean}, {"lab_std", p.colours.stddev}, {"edge_strength", p.edge_strength},
          {"blur_sigma", p.blur_sigma}};
}

ReferenceStyleParams reference_params_from_json(const nlohmann::json& j, const std::string& label) {
  const JsonReader r(j, label);
  r.only({"lab_mean", "lab_std", "edge_strength", "blur_sigma"});
  ReferenceStyleParams p;
  p.colours.mean = three_floats(r, "lab_mean");
  p.colours.stddev = three_floats(r, "lab_std");
  p.edge_strength = r.double_at("edge_strength", 0.0, 1.0);
  p.blur_sigma = r.double_at("blur_sigma", 0.0, 10.0);
  return p;
}

}  // namespace lorastudio
