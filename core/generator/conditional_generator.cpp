#include "core/generator/conditional_generator.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/generator/module_weights.h"
#include "core/imaging/image_io.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"


namespace fs = std::filesystem;

namespace lorastudio {

ConditionalGenerator::ConditionalGenerator(GeneratorConfig c, ZooLayout l, ParameterNormalizer n,
                                           std::vector<GeneratorTask> t)
    : config(std::move(c)), layout(std::move(l)), normalizer(std::move(n)), tasks(std::move(t)) {
  config.autoencoder.input_dim = layout.dim();
  if ((config.condition.kind == "onehot" || config.condition.kind == "learned") && config.condition.num_tasks <= 0)
    config.condition.num_tasks = static_cast<int64_t>(tasks.size());
  autoencoder = ParamAutoencoder(config.autoencoder);
  condition_encoder = make_condition_encoder(config.condition);
  config.denoiser.cond_dim = condition_encoder->output_dim();
  config.denoiser.latent_channels = config.autoencoder.latent_channels;
  config.denoiser.latent_length = config.autoencoder.latent_length;
  denoiser = make_denoiser(config.denoiser);
}

void ConditionalGenerator::to(torch::Device device) {
  graphs->clear();
  decode_tensors.clear();
  autoencoder->to(device);
  denoiser->to(device);
  condition_encoder->to(device);
}

torch::Device ConditionalGenerator::device() const { return module_device(*denoiser); }

void ConditionalGenerator::eval() {
  autoencoder->eval();
  denoiser->eval();
  condition_encoder->eval();
}

int64_t ConditionalGenerator::task_index(const std::string& name) const {
  for (size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].name == name) return static_cast<int64_t>(i);
  return -1;
}

ConditionInput ConditionalGenerator::task_condition(const std::string& name) const {
  const int64_t i = task_index(name);
  if (i < 0) throw Error("the generator was not trained on a task named \"" + name + "\"");
  const GeneratorTask& t = tasks[static_cast<size_t>(i)];
  ConditionInput in;
  in.text = t.condition.text;
  in.examples = t.condition.examples;
  in.task_index = i;
  if (config.condition.uses_images()) {
    if (t.image_files.empty()) throw Error("task \"" + name + "\" has no condition image");
    in.image = load_rgb_image(t.image_files.front());
  }
  return in;
}

std::vector<ConditionInput> ConditionalGenerator::task_condition_variants(const std::string& name) const {
  std::vector<ConditionInput> out{task_condition(name)};
  if (!config.condition.uses_images()) return out;
  const GeneratorTask& t = tasks[static_cast<size_t>(task_index(name))];
  for (size_t k = 1; k < t.image_files.size(); ++k) {
    out.push_back(out.front());
    out.back().image = load_rgb_image(t.image_files[k]);
  }
  return out;
}

std::string ConditionalGenerator::task_for_text(const std::string& text) const {
  for (const auto& t : tasks)
    if (!text.empty() && t.condition.text == text) return t.name;
  return {};
}

std::string ConditionalGenerator::task_for_image(const torch::Tensor& image) const {
  if (!image.defined()) return {};
  for (const auto& t : tasks)
    for (const auto& file : t.image_files) {
      try {
        const torch::Tensor stored = load_rgb_image(file);
        if (stored.sizes() == image.sizes() && torch::equal(stored, image.to(stored.scalar_type()))) return t.name;
      } catch (const std::exception&) {
        // an image this build cannot read (e.g. JPEG without OpenCV) matches nothing
      }
    }
  return {};
}

void ConditionalGenerator::save(const std::string& dir) const {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "images", ec);
  if (ec) throw FileError(dir, "cannot create the generator directory: " + ec.message());
  nlohmann::json tasks_json = nlohmann::json::array();
  for (const auto& t : tasks) {
    nlohmann::json images = nlohmann::json::array();
    for (size_t k = 0; k < t.image_files.size(); ++k) {
      const std::string rel = "images/" + t.name + "_" + std::to_string(k) + fs::path(t.image_files[k]).extension().string();
      const fs::path target = fs::path(dir) / rel;
      if (fs::absolute(t.image_files[k]) != fs::absolute(target)) {
        fs::copy_file(t.image_files[k], target, fs::copy_options::overwrite_existing, ec);
        if (ec) throw FileError(t.image_files[k], "cannot copy the condition image into the generator: " + ec.message());
      }
      images.push_back(rel);
    }
    nlohmann::json entry = {{"name", t.name}, {"condition", condition_to_json(t.condition)}, {"image_files", images}};
    if (normalizer.knows(t.name)) entry["checkpoints"] = normalizer.count(t.name);
    tasks_json.push_back(std::move(entry));
  }
  nlohmann::json j = {{"format", "lora-studio-generator"},
                      {"version", kGeneratorBundleVersion},
                      {"config", config.to_json()},
                      {"latent_scale", latent_scale},
                      {"dim", layout.dim()},
                      {"tasks", tasks_json}};
  save_module_weights(*autoencoder, (fs::path(dir) / "autoencoder.safetensors").string());
  save_module_weights(*denoiser, (fs::path(dir) / "denoiser.safetensors").string());
  if (!condition_encoder->parameters().empty())
    save_module_weights(*condition_encoder, (fs::path(dir) / "condition_encoder.safetensors").string());
  normalizer.save((fs::path(dir) / "normalization.safetensors").string());
  write_file_atomically((fs::path(dir) / "layout.json").string(), layout.to_json().dump(1) + "\n");
  write_file_atomically((fs::path(dir) / "generator.json").string(), j.dump(2) + "\n");  // last: marks completeness
}

namespace {

nlohmann::json read_json(const std::string& path) {
  if (!fs::exists(path)) throw FileError(path, "missing: not a complete LoRA Studio generator directory");
  return parse_json(read_text_file(path), path);
}

// A bundle file named in generator.json: relative, inside the bundle, existing.
std::string bundle_file(const std::string& dir, const std::string& rel, const JsonReader& r, const std::string& key) {
  if (!is_inside_path(rel)) r.fail(key, "\"" + rel + "\" must be a relative path inside the generator directory");
  const fs::path p = fs::path(dir) / rel;
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(p, ec), root = fs::weakly_canonical(dir, ec);
  if (std::mismatch(root.begin(), root.end(), real.begin(), real.end()).first != root.end())
    r.fail(key, "\"" + rel + "\" leads outside the generator directory (a symbolic link)");
  if (!fs::is_regular_file(p)) r.fail(key, "\"" + rel + "\" does not exist in the generator directory");
  return p.string();
}

std::vector<GeneratorTask> read_tasks(const std::string& dir, const JsonReader& bundle) {
  const nlohmann::json& list = bundle.at("tasks");
  if (!list.is_array() || list.empty()) bundle.fail("tasks", "expected a non-empty array of tasks");
  std::vector<GeneratorTask> tasks;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonReader t(list[i], bundle.label(), "tasks[" + std::to_string(i) + "]");
    t.only({"name", "condition", "image_files", "checkpoints"});
    GeneratorTask task;
    task.name = t.string_at("name");
    if (const std::string problem = task_name_problem(task.name); !problem.empty()) t.fail("name", problem);
    if (!names.insert(task.name).second) t.fail("name", "task \"" + task.name + "\" is listed twice");
    task.condition = condition_from_json(t.at("condition"), bundle.label(), t.key_path("condition"));
    if (t.has("image_files")) {
      const nlohmann::json& files = t.at("image_files");
      if (!files.is_array()) t.fail("image_files", "expected an array of paths");
      for (size_t k = 0; k < files.size(); ++k) {
        const std::string key = "image_files[" + std::to_string(k) + "]";
        if (!files[k].is_string()) t.fail(key, "expected a path");
        task.image_files.push_back(bundle_file(dir, files[k].get<std::string>(), t, key));
      }
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// The statistics must be the ones fitted on this generator's zoo: same dimension, mode and tasks, and (where
// generator.json records them) the same checkpoint counts.
void check_normalizer(const ParameterNormalizer& n, const GeneratorConfig& config, const ZooLayout& layout,
                      const std::vector<GeneratorTask>& tasks, const nlohmann::json& task_list, const std::string& npath) {
  const NormalizationMode mode = config.normalization.mode;
  if (n.options().mode != mode)
    throw FileError(npath, std::string("normalisation mode ") + normalization_mode_name(n.options().mode) +
                               " disagrees with generator.json (" + normalization_mode_name(mode) + ")");
  if (mode == NormalizationMode::None) return;
  if (n.dim() != layout.dim())
    throw FileError(npath, "statistics of dimension " + std::to_string(n.dim()) + " do not fit the layout (" +
                               std::to_string(layout.dim()) + " parameters): they belong to another zoo");
  if (mode != NormalizationMode::Task) return;
  std::set<std::string> expected;
  for (const auto& t : tasks) expected.insert(t.name);
  const std::vector<std::string> fitted = n.tasks();
  if (std::set<std::string>(fitted.begin(), fitted.end()) != expected)
    throw FileError(npath, "its tasks differ from generator.json's: the statistics belong to another zoo");
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!task_list[i].contains("checkpoints")) continue;
    const int64_t count = task_list[i]["checkpoints"].is_number_integer() ? task_list[i]["checkpoints"].get<int64_t>() : -1;
    if (count != n.count(tasks[i].name))
      throw FileError(npath, "task \"" + tasks[i].name + "\" was fitted on " + std::to_string(n.count(tasks[i].name)) +
                                 " checkpoints, generator.json says " + task_list[i]["checkpoints"].dump() +
                                 ": the statistics belong to another zoo");
  }
}

}  // namespace

ConditionalGenerator ConditionalGenerator::load(const std::string& dir) {
  const std::string gpath = (fs::path(dir) / "generator.json").string();
  const nlohmann::json j = read_json(gpath);
  const JsonReader r(j, gpath);
  r.only({"format", "version", "config", "latent_scale", "dim", "tasks"});
  if (!r.has("format") || !r.at("format").is_string() || r.at("format").get<std::string>() != "lora-studio-generator")
    throw FileError(gpath, "not a LoRA Studio generator (its \"format\" is not \"lora-studio-generator\")");
  const int64_t version = r.int_at("version", 0, INT32_MAX);
  if (version != kGeneratorBundleVersion)
    throw FileError(gpath, "generator format version " + std::to_string(version) + " is not supported (expected " +
                               std::to_string(kGeneratorBundleVersion) + ")");
  GeneratorConfig config = GeneratorConfig::from_json(r.at("config"), gpath);
  // A bundle may ship its condition encoder's model beside it, named relative to the bundle.
  std::string& model = config.condition.model;
  if (!model.empty() && fs::path(model).is_relative() && fs::exists(fs::path(dir) / model)) model = (fs::path(dir) / model).string();
  const std::string lpath = (fs::path(dir) / "layout.json").string();
  ZooLayout layout = ZooLayout::from_json(read_json(lpath), lpath);
  const int64_t dim = r.int_at("dim", 1, INT64_MAX);
  if (dim != layout.dim())
    throw FileError(gpath, "dim " + std::to_string(dim) + " disagrees with layout.json (" + std::to_string(layout.dim()) + ")");
  std::vector<GeneratorTask> tasks = read_tasks(dir, r);
  const std::string kind = config.condition.kind;
  if ((kind == "onehot" || kind == "learned") && config.condition.num_tasks != static_cast<int64_t>(tasks.size()))
    throw FileError(gpath, "config.condition.num_tasks (" + std::to_string(config.condition.num_tasks) + ") differs from the " +
                               std::to_string(tasks.size()) + " tasks listed");
  if (config.condition.uses_images())
    for (size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i].image_files.empty()) r.fail("tasks[" + std::to_string(i) + "].image_files", "an image-conditioned generator needs a condition image per task");
  const std::string npath = (fs::path(dir) / "normalization.safetensors").string();
  ParameterNormalizer normalizer = ParameterNormalizer::load(npath);
  check_normalizer(normalizer, config, layout, tasks, r.at("tasks"), npath);
  double latent_scale = 1.0;
  r.read("latent_scale", latent_scale, 0.0, 1e6, Bound::Open);
  ConditionalGenerator g(std::move(config), std::move(layout), std::move(normalizer), std::move(tasks));
  g.latent_scale = latent_scale;
  load_module_weights(*g.autoencoder, (fs::path(dir) / "autoencoder.safetensors").string());
  load_module_weights(*g.denoiser, (fs::path(dir) / "denoiser.safetensors").string());
  if (!g.condition_encoder->parameters().empty())
    load_module_weights(*g.condition_encoder, (fs::path(dir) / "condition_encoder.safetensors").string());
  g.eval();
  return g;
}

}  // namespace lorastudio
