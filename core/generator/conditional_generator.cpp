#include "core/generator/conditional_generator.h"

#include <filesystem>

#include "core/generator/module_weights.h"
#include "core/imaging/image_io.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"


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
  if (config.condition.kind == "image") {
    if (t.image_files.empty()) throw Error("task \"" + name + "\" has no condition image");
    in.image = load_rgb_image(t.image_files.front());
  }
  return in;
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
    tasks_json.push_back({{"name", t.name}, {"condition", condition_to_json(t.condition)}, {"image_files", images}});
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

ConditionalGenerator ConditionalGenerator::load(const std::string& dir) {
  const std::string gpath = (fs::path(dir) / "generator.json").string();
  if (!fs::exists(gpath)) throw FileError(gpath, "missing: not a LoRA Studio generator directory");
  nlohmann::json j = nlohmann::json::parse(read_text_file(gpath), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FileError(gpath, "not valid JSON");
  if (j.value("format", std::string()) != "lora-studio-generator") throw FileError(gpath, "not a LoRA Studio generator (format key)");
  if (j.value("version", 0) != kGeneratorBundleVersion)
    throw FileError(gpath, "generator format version " + std::to_string(j.value("version", 0)) + " is not supported (expected " +
                               std::to_string(kGeneratorBundleVersion) + ")");
  if (!j.contains("config") || !j.contains("tasks") || !j["tasks"].is_array()) throw FileError(gpath, "missing config or tasks");
  GeneratorConfig config = GeneratorConfig::from_json(j["config"], gpath);
  const std::string lpath = (fs::path(dir) / "layout.json").string();
  nlohmann::json lj = nlohmann::json::parse(read_text_file(lpath), nullptr, false);
  if (lj.is_discarded()) throw FileError(lpath, "not valid JSON");
  ZooLayout layout = ZooLayout::from_json(lj, lpath);
  if (j.value("dim", int64_t(0)) != layout.dim())
    throw FileError(gpath, "dim " + std::to_string(j.value("dim", int64_t(0))) + " disagrees with layout.json (" +
                               std::to_string(layout.dim()) + ")");
  ParameterNormalizer normalizer = ParameterNormalizer::load((fs::path(dir) / "normalization.safetensors").string());
  std::vector<GeneratorTask> tasks;
  for (const auto& t : j["tasks"]) {
    GeneratorTask task;
    task.name = t.value("name", std::string());
    task.condition = condition_from_json(t.value("condition", nlohmann::json::object()), gpath, "task " + task.name);
    for (const auto& f : t.value("image_files", nlohmann::json::array()))
      task.image_files.push_back((fs::path(dir) / f.get<std::string>()).string());
    tasks.push_back(std::move(task));
  }
  ConditionalGenerator g(std::move(config), std::move(layout), std::move(normalizer), std::move(tasks));
  g.latent_scale = j.value("latent_scale", 1.0);
  load_module_weights(*g.autoencoder, (fs::path(dir) / "autoencoder.safetensors").string());
  load_module_weights(*g.denoiser, (fs::path(dir) / "denoiser.safetensors").string());
  if (!g.condition_encoder->parameters().empty())
    load_module_weights(*g.condition_encoder, (fs::path(dir) / "condition_encoder.safetensors").string());
  g.eval();
  return g;
}

}  // namespace lorastudio
