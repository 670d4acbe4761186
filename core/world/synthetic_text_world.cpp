#include "core/world/synthetic_text_world.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/generator/generator_trainer.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/lora/lora_adapter.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/util/json_reader.h"
#include "core/util/xdg_paths.h"
#include "core/world/task_affinity_preview.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/synthetic_zoo.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

// Small enough to train in seconds on two cores, large enough to carry each task's spread.
GeneratorConfig world_generator_config(const SyntheticTextWorldSpec& spec) {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {32, 64};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 8;
  c.autoencoder.latent_noise = 0.0;
  c.denoiser.kind = "unet";
  c.denoiser.channels = {32, 64};
  c.denoiser.emb_dim = 64;
  c.condition.kind = "text";
  c.condition.dim = 64;
  c.normalization.mode = NormalizationMode::Global;  // typed descriptions decode with the same statistics
  c.train.ae_steps = spec.ae_steps;
  c.train.ae_batch = 64;
  c.train.ae_lr = 3e-3;
  c.train.diffusion_steps = spec.diffusion_steps;
  c.train.batch = 32;  // smaller batches, more steps: better samples in the same time on a CPU
  c.train.lr = 3e-3;
  c.train.ema_decay = 0.99;
  c.train.checkpoint_every = 1000000;
  c.train.seed = spec.seed;
  return c;
}

nlohmann::json world_json(const SyntheticTextWorldSpec& spec, const Zoo& zoo) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& name : zoo.tasks())
    tasks.push_back({{"name", name}, {"text", zoo.condition(name).text}, {"examples", zoo.condition(name).examples}});
  return {{"format", kSyntheticTextWorldFormat},
          {"version", kSyntheticTextWorldVersion},
          {"name", "synthetic-text"},
          {"tasks", tasks},
          {"spec", {{"tasks", spec.tasks}, {"checkpoints", spec.checkpoints}, {"spread", spec.spread},
                    {"ae_steps", spec.ae_steps}, {"diffusion_steps", spec.diffusion_steps}, {"seed", spec.seed}}}};
}

}  // namespace

std::string synthetic_text_world_dir() {
  return (fs::path(user_cache_dir()) / "worlds" / ("synthetic-text-v" + std::to_string(kSyntheticTextWorldVersion))).string();
}

void build_synthetic_text_world(const std::string& dir, const SyntheticTextWorldSpec& spec, const WorldProgress& progress) {
  const auto say = [&](const std::string& what) {
    if (progress) progress(what);
  };
  const fs::path tmp = dir + ".building";
  remove_tree(tmp.string());
  fs::create_directories(tmp);
  SyntheticZooSpec zs;
  zs.tasks = spec.tasks;
  zs.checkpoints = spec.checkpoints;
  zs.spread = spec.spread;
  zs.seed = spec.seed;
  zs.short_names = true;
  zs.examples = true;
  torch::Tensor truth;
  say("building the synthetic zoo");
  const Zoo zoo = make_synthetic_zoo((tmp / "zoo").string(), zs, &truth);
  train_generator(zoo, world_generator_config(spec), (tmp / "generator").string(), false,
                                              [&](const TrainProgress& p) {
                                                say("training the generator: " + p.stage + " step " + std::to_string(p.step) +
                                                    " of " + std::to_string(p.total));
                                                return true;
                                              }, 100);
  remove_tree((tmp / "generator" / "state").string());
  say("placing the checkpoints in the generator's latent space");
  ConditionalGenerator generator = ConditionalGenerator::load((tmp / "generator").string());
  std::vector<AtlasTask> tasks;
  for (const auto& name : zoo.tasks()) tasks.push_back({name, zoo.task_params(name).clone(), false});
  save_latent_atlas(build_latent_atlas(generator, tasks), (tmp / "atlas.safetensors").string(), false);
  write_safetensors((tmp / "truth.safetensors").string(), {{"truth", truth}});
  write_file_atomically((tmp / "world.json").string(), world_json(spec, zoo).dump(2) + "\n");
  remove_tree(dir);
  fs::create_directories(fs::path(dir).parent_path());
  fs::rename(tmp, dir);
}

bool SyntheticTextWorld::holds(const std::string& dir) { return world_file_has_format(dir, kSyntheticTextWorldFormat); }

std::shared_ptr<const SyntheticTextWorld> SyntheticTextWorld::open(const std::string& dir) {
  const std::string path = (fs::path(dir) / "world.json").string();
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  if (r.string_at("format") != kSyntheticTextWorldFormat) r.fail("format", std::string("is not ") + kSyntheticTextWorldFormat);
  if (r.int_at("version", 0, 1000) != kSyntheticTextWorldVersion)
    r.fail("version", "is not " + std::to_string(kSyntheticTextWorldVersion) + " (a world built by another version; delete the folder to rebuild it)");
  auto world = std::make_shared<SyntheticTextWorld>();
  world->dir_ = dir;
  for (const auto& t : r.at("tasks")) {
    const JsonReader task(t, path);
    WorldCondition c;
    c.name = c.group = task.string_at("name");
    c.text = task.string_at("text");
    c.examples = task.strings_at("examples");
    world->conditions_.push_back(std::move(c));
  }
  world->generator_ = std::make_shared<ConditionalGenerator>(ConditionalGenerator::load(world->generator_dir()));
  world->atlas_ = load_latent_atlas((fs::path(dir) / "atlas.safetensors").string());
  const std::string truth_path = (fs::path(dir) / "truth.safetensors").string();
  world->truth_ = SafetensorsReader(truth_path).tensor("truth").to(torch::kFloat32).clone();
  if (world->truth_.dim() != 2 || world->truth_.size(0) != static_cast<int64_t>(world->conditions_.size()) ||
      world->truth_.size(1) != world->generator_->layout.dim())
    throw FileError(truth_path, "\"truth\" must be [" + std::to_string(world->conditions_.size()) + ", " +
                                    std::to_string(world->generator_->layout.dim()) + "]");
  const Zoo zoo = Zoo::open((fs::path(dir) / "zoo").string());
  for (const auto& c : world->conditions_) {
    const torch::Tensor rows = zoo.task_params(c.name);
    const auto scores = world->agreement(rows, c.name);
    world->original_best_.push_back(*std::max_element(scores.begin(), scores.end()));
    world->soup_.push_back(world->agreement(rows.mean(0, true), c.name).front());
  }
  return world;
}

std::string SyntheticTextWorld::generator_dir() const { return (fs::path(dir_) / "generator").string(); }

std::string SyntheticTextWorld::notice() const {
  return "Synthetic text world: real task descriptions, made-up adapters (each task's checkpoints scatter around a "
         "random centre) — a stand-in until the text world's bundle exists.";
}

std::vector<double> SyntheticTextWorld::agreement(const torch::Tensor& rows, const std::string& task) const {
  const WorldCondition* c = condition(task);
  if (!c) throw Error("synthetic text world: no task \"" + task + "\"");
  const int64_t k = c - conditions_.data();
  const ZooLayout& layout = generator_->layout;
  const torch::Tensor x = rows.to(torch::kFloat32).reshape({-1, layout.dim()});
  const torch::Tensor t = truth_.narrow(0, k, 1);
  const torch::Tensor cos = delta_cosines(layout, x, t).squeeze(1);
  std::vector<double> out;
  for (int64_t i = 0; i < cos.size(0); ++i) out.push_back(100.0 * cos[i].item<double>());
  return out;
}

CandidateTable SyntheticTextWorld::candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                                   const WorldCondition& condition) const {
  torch::InferenceMode inference;
  const std::string task = task_of(condition);
  if (task.empty())
    return lorastudio::candidate_table(atlas_, latents, "", {}, {}, {}, "agreement with a task's true ΔW (none: a description of your own)");
  std::vector<torch::Tensor> rows;
  for (const auto& a : adapters) rows.push_back(generator_->layout.flatten(a));
  const auto scores = agreement(torch::stack(rows), task);
  const auto k = static_cast<size_t>(StudioWorld::condition(task) - conditions_.data());
  return lorastudio::candidate_table(atlas_, latents, task, scores, original_best_[k], soup_[k],
                                     "agreement with " + task + "'s true ΔW, 100·cosine");
}

std::unique_ptr<PreviewProvider> SyntheticTextWorld::preview_provider() const {
  std::vector<std::string> names;
  for (const auto& c : conditions_) names.push_back(c.name);
  return std::make_unique<TaskAffinityPreview>(generator_->layout, names, truth_);
}

}  // namespace lorastudio
