#include "core/style/style_demo_writer.h"

#include <chrono>
#include <ctime>
#include <filesystem>

#include <torch/torch.h>

#include "core/generator/latent_atlas.h"
#include "core/imaging/image_io.h"
#include "core/style/style_demo.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/zoo/task_soup.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

void copy_into(const std::string& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw FileError(from, "cannot copy it into the demo bundle: " + ec.message());
}

// Floating-point parameters and buffers to float16; integer buffers (the autoencoder's kept coordinates) stay.
void to_float16(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& t : module.parameters()) t.set_data(t.to(torch::kHalf));
  for (auto& t : module.buffers())
    if (t.is_floating_point()) t.set_data(t.to(torch::kHalf));
}

void write_networks(const StyleDemoSources& src, const fs::path& out) {
  Stylizer stylizer = load_stylizer(src.stylizer_file);
  ConditionalGenerator generator = ConditionalGenerator::load(src.generator_dir);
  for (auto& task : generator.tasks)  // where the images came from, without the machine's cache path
    for (auto& image : task.condition.images)
      image.source = fs::path(image.source).lexically_relative(src.harvest_dir).generic_string();
  if (src.float16) {
    to_float16(*stylizer);
    to_float16(*generator.autoencoder);
    to_float16(*generator.denoiser);
    to_float16(*generator.condition_encoder);
  }
  save_stylizer(stylizer, (out / "stylizer.safetensors").string(), {{"precision", src.float16 ? "float16" : "float32"}});
  generator.save((out / "generator").string());
}

// Every checkpoint of both zoos in the bundled generator's latent space (what the studio's trajectory view
// embeds beside the sampling paths).
void write_atlas(const StyleDemoSources& src, const fs::path& out) {
  ConditionalGenerator generator = ConditionalGenerator::load((out / "generator").string());
  std::vector<AtlasTask> tasks;
  for (const auto& [dir, held_out] : {std::pair{seen_zoo_dir(src.harvest_dir), false}, {held_out_zoo_dir(src.harvest_dir), true}}) {
    const Zoo zoo = Zoo::open(dir);
    for (const auto& name : zoo.tasks()) tasks.push_back({name, zoo.task_params(name).clone(), held_out});
  }
  save_latent_atlas(build_latent_atlas(generator, tasks), (out / "atlas.safetensors").string(), src.float16);
}

// The styles of the two zoos: seen ones point at the generator's copies of their condition images, held-out
// ones at copies in styles/.
nlohmann::json style_entries(const StyleWorld& world, const StyleDemoSources& src, const fs::path& out) {
  const ConditionalGenerator generator = ConditionalGenerator::load((out / "generator").string());
  const Zoo held_out = Zoo::open(held_out_zoo_dir(src.harvest_dir));
  nlohmann::json styles = nlohmann::json::array();
  for (const Style& style : world.styles()) {
    nlohmann::json files = nlohmann::json::array();
    const int64_t task = generator.task_index(style.name);
    if (task >= 0) {
      for (const auto& f : generator.tasks[static_cast<size_t>(task)].image_files)
        files.push_back(fs::relative(fs::absolute(f), fs::absolute(out)).generic_string());
    } else if (held_out.has_task(style.name)) {
      for (size_t k = 0; k < held_out.condition(style.name).images.size(); ++k) {
        const std::string from = held_out.image_path(style.name, k);
        const std::string rel = "styles/" + style.name + "_" + std::to_string(k) + fs::path(from).extension().string();
        copy_into(from, out / rel);
        files.push_back(rel);
      }
    } else {
      continue;  // not harvested by this recipe
    }
    styles.push_back({{"name", style.name}, {"family", style_family_name(style.family)}, {"description", style.description},
                      {"held_out", task < 0}, {"conditions", files}});
  }
  return styles;
}

// Names of the check styles: the recipe's, else 3 seen styles spread over the suite and the first 2 held-out.
std::vector<std::string> check_styles(const nlohmann::json& styles, const DemoCheckOptions& o) {
  if (!o.styles.empty()) return o.styles;
  std::vector<std::string> seen, held;
  for (const auto& s : styles) (s["held_out"].get<bool>() ? held : seen).push_back(s["name"].get<std::string>());
  std::vector<std::string> out;
  for (size_t k = 0; k < 3 && k < seen.size(); ++k) out.push_back(seen[k * seen.size() / 3]);
  for (size_t k = 0; k < 2 && k < held.size(); ++k) out.push_back(held[k]);
  return out;
}

// Check photos (evaluation photos, fitted) and each check style's true outputs on them, as PNG.
DemoCheck write_check_images(const StyleWorld& world, const std::vector<std::string>& styles, const DemoCheckOptions& o,
                             const fs::path& out) {
  DemoCheck check;
  check.samples = o.samples;
  check.steps = o.steps;
  check.seed = o.seed;
  const auto& names = world.evaluation_names();
  std::vector<std::string> photos = o.photos;
  if (photos.empty()) photos.assign(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(2, names.size())));
  for (const auto& name : photos) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw Error("demo check: \"" + name + "\" is not an evaluation photo");
    const std::string file = name + ".png";
    const std::string path = (out / "check" / "photos" / file).string();
    fs::create_directories(out / "check" / "photos");
    save_rgb_image(path, fit_image(world.evaluation_photos()[static_cast<size_t>(it - names.begin())], o.size));
    const torch::Tensor photo = load_rgb_image(path);  // as the check will read it
    for (const auto& s : styles) {
      fs::create_directories(out / "check" / "truths" / s);
      save_rgb_image((out / "check" / "truths" / s / file).string(), world.style(s).apply(photo));
    }
    check.photos.push_back(file);
  }
  for (const auto& s : styles) check.figures.push_back({s, 0, std::vector<double>(static_cast<size_t>(o.samples), 0.0)});
  // Larger copies for the studio's λ previews: the check photos first, then further evaluation photos.
  std::vector<std::string> previews = photos;
  for (size_t i = 0; i < names.size() && static_cast<int64_t>(previews.size()) < o.previews; ++i)
    if (std::find(previews.begin(), previews.end(), names[i]) == previews.end()) previews.push_back(names[i]);
  previews.resize(static_cast<size_t>(std::min<int64_t>(o.previews, static_cast<int64_t>(previews.size()))));
  fs::create_directories(out / "check" / "previews");
  for (const auto& name : previews) {
    save_rgb_image((out / "check" / "previews" / (name + ".png")).string(), fit_image(world.photos().load(name), o.preview_size));
    check.previews.push_back(name + ".png");
  }
  return check;
}

// Each style's own adapters (its best and median checkpoint, its ΔW soup) and the stylizer alone, scored on
// the check photos against the style's true output: what the studio measures generated candidates against.
void add_style_scores(const StyleWorld& world, const StyleDemoSources& src, const DemoCheck& check, const fs::path& out,
                      nlohmann::json& styles) {
  torch::InferenceMode inference;
  Stylizer stylizer = load_stylizer((out / "stylizer.safetensors").string());
  std::vector<torch::Tensor> photos;
  for (const auto& p : check.photos) photos.push_back(load_rgb_image((out / "check" / "photos" / p).string()));
  const Zoo seen = Zoo::open(seen_zoo_dir(src.harvest_dir)), held_out = Zoo::open(held_out_zoo_dir(src.harvest_dir));
  for (auto& entry : styles) {
    const std::string name = entry["name"].get<std::string>();
    const Zoo& zoo = seen.has_task(name) ? seen : held_out;
    if (!zoo.has_task(name)) continue;
    const std::vector<LoraAdapter> own = task_adapters(zoo, name);
    std::vector<const LoraAdapter*> pointers;
    for (const auto& a : own) pointers.push_back(&a);
    const LoraAdapter soup = task_soup(zoo, name);  // exact: the stacked mean ΔW
    const Style truth = world.style(name);
    std::vector<double> scores = check_photo_scores(stylizer, pointers, photos, truth);
    DemoStyleScores s;
    s.soup = check_photo_scores(stylizer, {&soup}, photos, truth).front();
    s.base = check_photo_scores(stylizer, {nullptr}, photos, truth).front();
    std::sort(scores.begin(), scores.end());
    s.original_best = scores.back();
    s.original_median = scores[scores.size() / 2];
    entry["scores"] = s.to_json();
  }
}

}  // namespace

int64_t write_style_demo(const StyleWorld& world, const StyleDemoSources& src, const std::string& out_dir) {
  const fs::path out = fs::path(out_dir).string() + ".partial";
  remove_tree(out.string());
  fs::create_directories(out);
  write_networks(src, out);
  write_atlas(src, out);
  nlohmann::json styles = style_entries(world, src, out);
  nlohmann::json references = nlohmann::json::object();
  for (const auto& name : standard_style_images()) references[name] = reference_params_to_json(reference_style_params(world.photos().load(name)));
  for (const char* f : {"evaluation.json", "evaluation.md"}) copy_into((fs::path(src.evaluation_dir) / f).string(), out / f);
  DemoCheck check = write_check_images(world, check_styles(styles, src.check), src.check, out);
  add_style_scores(world, src, check, out, styles);
  nlohmann::json demo = {{"format", kStyleDemoFormat}, {"version", kStyleDemoVersion}, {"name", src.name}, {"world", "style"},
                         {"recipe", src.recipe}, {"created", utc_now()}, {"stylizer", "stylizer.safetensors"},
                         {"generator", "generator"}, {"atlas", "atlas.safetensors"}, {"styles", styles}, {"references", references},
                         {"evaluation", "evaluation.json"}, {"check", check.to_json()}};
  const std::string demo_file = (out / "demo.json").string();
  write_file_atomically(demo_file, demo.dump(1) + "\n");
  check.figures = measure_demo_check(StyleDemo::load(out.string()), check);  // what the bundle as written gives
  demo["check"] = check.to_json();
  write_file_atomically(demo_file, demo.dump(1) + "\n");
  remove_tree(out_dir);
  fs::rename(out, out_dir);
  return tree_bytes(out_dir);
}

}  // namespace lorastudio
