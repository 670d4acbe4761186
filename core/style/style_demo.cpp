#include "core/style/style_demo.h"

#include "core/generator/latent_atlas.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/generator/generation.h"
#include "core/imaging/image_io.h"
#include "core/imaging/image_metrics.h"
#include "core/style/stylizer_file.h"
#include "core/style/stylizer_lora.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

// A path inside the bundle, checked to exist (and not to leave the bundle).
std::string bundle_path(const std::string& dir, const std::string& rel, const JsonReader& r, const std::string& key) {
  if (rel.empty() || fs::path(rel).is_absolute() || rel.find("..") != std::string::npos)
    r.fail(key, "expected a relative path inside the bundle, got \"" + rel + "\"");
  const fs::path p = fs::path(dir) / rel;
  if (!fs::exists(p)) r.fail(key, "the file " + p.string() + " is missing");
  return p.string();
}

DemoStyle read_style(const std::string& dir, const nlohmann::json& j, const JsonReader& parent, size_t index) {
  const std::string label = parent.label();
  const JsonReader r(j, label, "styles[" + std::to_string(index) + "]");
  r.only({"name", "family", "description", "held_out", "conditions", "scores"});
  DemoStyle s;
  s.name = r.string_at("name");
  s.family = r.string_at("family");
  if (!parse_style_family(s.family)) r.fail("family", "unknown style family \"" + s.family + "\"");
  r.read("description", s.description);
  s.held_out = r.bool_at("held_out");
  const std::vector<std::string> files = r.strings_at("conditions");
  if (files.empty()) r.fail("conditions", "a style needs at least one condition image");
  for (const auto& f : files) s.conditions.push_back(bundle_path(dir, f, r, "conditions"));
  if (r.has("scores")) {
    const JsonReader c(r.at("scores"), label, "styles[" + std::to_string(index) + "].scores");
    c.only({"base", "original_best", "original_median", "soup"});
    s.scores = DemoStyleScores{c.double_at("base", 0, 200), c.double_at("original_best", 0, 200),
                               c.double_at("original_median", 0, 200), c.double_at("soup", 0, 200)};
  }
  return s;
}

void read_styles(StyleDemo& demo, const JsonReader& r) {
  const nlohmann::json& styles = r.at("styles");
  if (!styles.is_array() || styles.empty()) r.fail("styles", "expected a non-empty array of styles");
  for (size_t i = 0; i < styles.size(); ++i) demo.styles.push_back(read_style(demo.dir, styles[i], r, i));
  const nlohmann::json& refs = r.at("references");
  if (!refs.is_object()) r.fail("references", "expected an object of reference parameters by image name");
  for (const auto& [name, params] : refs.items())
    demo.references[name] = reference_params_from_json(params, r.label() + ": references." + name);
}

}  // namespace

nlohmann::json DemoStyleScores::to_json() const {
  return {{"base", base}, {"original_best", original_best}, {"original_median", original_median}, {"soup", soup}};
}

std::vector<double> check_photo_scores(Stylizer& stylizer, const std::vector<const LoraAdapter*>& adapters,
                                       const std::vector<torch::Tensor>& photos, const Style& truth) {
  std::vector<double> scores(adapters.size(), 0.0);
  for (const auto& photo : photos) {
    const torch::Tensor target = truth.apply(photo);
    for (size_t i = 0; i < adapters.size(); ++i)
      scores[i] += psnr(stylize(stylizer, photo, adapters[i]), target) / static_cast<double>(photos.size());
  }
  return scores;
}

nlohmann::json DemoCheck::to_json() const {
  nlohmann::json figs = nlohmann::json::array();
  for (const auto& f : figures) figs.push_back({{"style", f.style}, {"base_psnr", f.base_psnr}, {"sample_psnr", f.sample_psnr}});
  nlohmann::json j = {{"photos", photos}, {"samples", samples}, {"steps", steps}, {"sampler", sampler}, {"seed", seed}, {"figures", figs}};
  if (!previews.empty()) j["previews"] = previews;
  return j;
}

DemoCheck DemoCheck::from_json(const nlohmann::json& j, const std::string& label) {
  const JsonReader r(j, label, "check");
  r.only({"photos", "previews", "samples", "steps", "sampler", "seed", "figures"});
  DemoCheck c;
  c.photos = r.strings_at("photos");
  if (r.has("previews")) c.previews = r.strings_at("previews");
  c.samples = r.int_at("samples", 1, 64);
  c.steps = r.int_at("steps", 1, 1000);
  r.read("sampler", c.sampler, {"ddim", "ddpm", "dpmpp"});
  r.read("seed", c.seed);
  const nlohmann::json& figs = r.at("figures");
  if (!figs.is_array()) r.fail("figures", "expected an array");
  for (size_t i = 0; i < figs.size(); ++i) {
    const JsonReader f(figs[i], label, "check.figures[" + std::to_string(i) + "]");
    f.only({"style", "base_psnr", "sample_psnr"});
    DemoCheckFigure fig;
    fig.style = f.string_at("style");
    fig.base_psnr = f.double_at("base_psnr", 0, 200);
    const nlohmann::json& s = f.at("sample_psnr");
    if (!s.is_array() || s.size() != static_cast<size_t>(c.samples)) f.fail("sample_psnr", "expected one figure per sample");
    for (const auto& v : s) fig.sample_psnr.push_back(v.get<double>());
    c.figures.push_back(fig);
  }
  return c;
}

StyleDemo StyleDemo::load(const std::string& dir) {
  const std::string file = (fs::path(dir) / "demo.json").string();
  if (!fs::exists(file)) throw FileError(dir, "not a demo bundle: it has no demo.json");
  const nlohmann::json j = parse_json(read_text_file(file), file);
  const JsonReader r(j, file);
  r.only({"format", "version", "name", "world", "recipe", "created", "stylizer", "generator", "atlas", "styles",
          "references", "evaluation", "check"});
  if (r.string_at("format") != kStyleDemoFormat) r.fail("format", std::string("expected \"") + kStyleDemoFormat + "\"");
  if (r.int_at("version", 1, 1000) > kStyleDemoVersion)
    r.fail("version", "made by a newer LoRA Studio (this one reads version " + std::to_string(kStyleDemoVersion) + ")");
  StyleDemo demo;
  demo.dir = fs::absolute(dir).lexically_normal().string();
  demo.name = r.string_at("name");
  r.read("recipe", demo.recipe);
  demo.stylizer = load_stylizer(bundle_path(demo.dir, r.string_at("stylizer"), r, "stylizer"));
  demo.generator = std::make_shared<ConditionalGenerator>(
      ConditionalGenerator::load(bundle_path(demo.dir, r.string_at("generator"), r, "generator")));
  read_styles(demo, r);
  if (r.has("atlas")) demo.atlas = load_latent_atlas(bundle_path(demo.dir, r.string_at("atlas"), r, "atlas"));
  const std::string evaluation = bundle_path(demo.dir, r.string_at("evaluation"), r, "evaluation");
  demo.evaluation = parse_json(read_text_file(evaluation), evaluation);
  demo.check = DemoCheck::from_json(r.at("check"), file);
  for (const auto& p : demo.check.photos) bundle_path(demo.dir, "check/photos/" + p, r, "check.photos");
  for (const auto& p : demo.check.previews) bundle_path(demo.dir, "check/previews/" + p, r, "check.previews");
  for (const auto& f : demo.check.figures) {
    if (!demo.style(f.style)) r.fail("check.figures", "the style \"" + f.style + "\" is not in the bundle");
    for (const auto& p : demo.check.photos) bundle_path(demo.dir, "check/truths/" + f.style + "/" + p, r, "check.figures");
  }
  return demo;
}

const DemoStyle* StyleDemo::style(const std::string& name) const {
  for (const auto& s : styles)
    if (s.name == name) return &s;
  return nullptr;
}

const DemoStyle* StyleDemo::style_for_image(const torch::Tensor& image) const {
  for (const auto& s : styles)
    for (const auto& file : s.conditions) {
      const torch::Tensor c = load_rgb_image(file);
      if (c.sizes() == image.sizes() && torch::equal(c, image)) return &s;
    }
  return nullptr;
}

Style StyleDemo::true_style(const std::string& name) const {
  const std::vector<Style> all = standard_styles_from_params([&](const std::string& image) {
    const auto it = references.find(image);
    if (it == references.end()) throw FileError(dir + "/demo.json", "no reference parameters for the image \"" + image + "\"");
    return it->second;
  });
  for (const auto& s : all)
    if (s.name == name) return s;
  throw Error("the style suite has no style \"" + name + "\"");
}

std::string StyleDemo::check_photo_path(const std::string& photo) const { return dir + "/check/photos/" + photo; }
std::string StyleDemo::preview_photo_path(const std::string& photo) const { return dir + "/check/previews/" + photo; }
std::string StyleDemo::check_truth_path(const std::string& style, const std::string& photo) const {
  return dir + "/check/truths/" + style + "/" + photo;
}

std::vector<DemoCheckFigure> measure_demo_check(const StyleDemo& demo, const DemoCheck& check) {
  Stylizer stylizer = demo.stylizer;  // the same module (stylize needs a non-const holder)
  std::vector<torch::Tensor> photos;
  for (const auto& p : check.photos) photos.push_back(load_rgb_image(demo.check_photo_path(p)));
  std::vector<DemoCheckFigure> out;
  for (const auto& reference : check.figures) {
    const DemoStyle* style = demo.style(reference.style);
    if (!style) throw Error("the demo has no style \"" + reference.style + "\"");
    std::vector<torch::Tensor> truths;
    for (const auto& p : check.photos) truths.push_back(load_rgb_image(demo.check_truth_path(style->name, p)));
    ConditionInput in;
    in.image = load_rgb_image(style->conditions.front());
    GenerateOptions o;
    o.count = check.samples;
    o.steps = check.steps;
    o.sampler = check.sampler;
    o.seed = check.seed;
    const GeneratedAdapters g = generate_adapters(*demo.generator, in, o);
    DemoCheckFigure fig;
    fig.style = style->name;
    auto mean_psnr = [&](const LoraAdapter* a) {
      double sum = 0;
      for (size_t i = 0; i < photos.size(); ++i) sum += psnr(stylize(stylizer, photos[i], a), truths[i]);
      return sum / static_cast<double>(photos.size());
    };
    fig.base_psnr = mean_psnr(nullptr);
    for (const auto& a : g.adapters) fig.sample_psnr.push_back(mean_psnr(&a));
    out.push_back(fig);
  }
  return out;
}

std::vector<std::string> demo_check_differences(const DemoCheck& recorded, const std::vector<DemoCheckFigure>& measured,
                                                double tolerance_db) {
  std::vector<std::string> out;
  if (measured.size() != recorded.figures.size()) return {"the check has " + std::to_string(recorded.figures.size()) +
                                                          " styles, the measurement " + std::to_string(measured.size())};
  auto differ = [&](const std::string& what, double a, double b) {
    if (std::isfinite(a) && std::isfinite(b) && std::abs(a - b) <= tolerance_db) return;
    char line[256];
    std::snprintf(line, sizeof(line), "%s: recorded %.3f dB, measured %.3f dB", what.c_str(), a, b);
    out.push_back(line);
  };
  for (size_t i = 0; i < measured.size(); ++i) {
    const DemoCheckFigure &r = recorded.figures[i], &m = measured[i];
    if (r.style != m.style || r.sample_psnr.size() != m.sample_psnr.size()) {
      out.push_back("figure " + std::to_string(i) + ": recorded " + r.style + ", measured " + m.style);
      continue;
    }
    differ(r.style + " without LoRA", r.base_psnr, m.base_psnr);
    for (size_t k = 0; k < r.sample_psnr.size(); ++k)
      differ(r.style + " sample " + std::to_string(k), r.sample_psnr[k], m.sample_psnr[k]);
  }
  return out;
}

std::string find_demo_bundle(const std::string& name_or_dir, const std::string& models_dir) {
  std::vector<std::string> tried;
  auto holds = [&](const fs::path& p) {
    tried.push_back(p.string());
    return fs::exists(p / "demo.json");
  };
  if (holds(name_or_dir)) return name_or_dir;
  if (const char* env = std::getenv("LORASTUDIO_DEMOS"); env && *env && holds(fs::path(env) / name_or_dir))
    return (fs::path(env) / name_or_dir).string();
  if (!models_dir.empty() && holds(fs::path(models_dir) / "demo" / name_or_dir))
    return (fs::path(models_dir) / "demo" / name_or_dir).string();
  std::string where;
  for (const auto& t : tried) where += "\n  " + t;
  throw FileError(name_or_dir, "no demo bundle of that name; looked for demo.json in:" + where);
}

}  // namespace lorastudio
