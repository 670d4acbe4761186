#include "core/world/zoo_world.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/lora/lora_adapter.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/world/task_affinity_preview.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

void write_zoo_world(const std::string& generator_dir, const std::string& zoo_dir) {
  if (!fs::exists(fs::path(generator_dir) / "generator.json"))
    throw FileError(generator_dir, "holds no trained generator (generator.json is missing)");
  if (!Zoo::exists(zoo_dir)) throw FileError(zoo_dir, "is not a zoo (zoo.json is missing)");
  const nlohmann::json j = {{"format", kZooWorldFormat}, {"version", 1}, {"zoo", fs::absolute(zoo_dir).lexically_normal().string()}};
  write_file_atomically((fs::path(generator_dir) / "world.json").string(), j.dump(2) + "\n");
}

bool ZooWorld::holds(const std::string& dir) { return world_file_has_format(dir, kZooWorldFormat); }

std::shared_ptr<const ZooWorld> ZooWorld::open(const std::string& generator_dir) {
  const std::string path = (fs::path(generator_dir) / "world.json").string();
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  r.only({"format", "version", "zoo"});
  if (r.string_at("format") != kZooWorldFormat) r.fail("format", std::string("is not ") + kZooWorldFormat);
  if (r.int_at("version", 0, 1000) != 1) r.fail("version", "is not 1");
  auto world = std::make_shared<ZooWorld>();
  world->dir_ = generator_dir;
  world->zoo_dir_ = r.string_at("zoo");
  world->name_ = fs::path(generator_dir).lexically_normal().filename().string();
  world->generator_ = std::make_shared<ConditionalGenerator>(ConditionalGenerator::load(generator_dir));
  const Zoo zoo = Zoo::open(world->zoo_dir_);
  if (zoo.dim() != world->generator_->layout.dim())
    throw FileError(path, "the zoo " + world->zoo_dir_ + " has " + std::to_string(zoo.dim()) + " parameters per adapter, the generator " +
                              std::to_string(world->generator_->layout.dim()));
  world->kind_ = world->generator_->config.condition.uses_images() ? ConditionKind::Image : ConditionKind::Text;
  std::vector<AtlasTask> tasks;
  std::vector<torch::Tensor> soups;
  for (const auto& name : zoo.tasks()) {
    const TaskCondition& tc = zoo.condition(name);
    WorldCondition c;
    c.name = c.group = name;
    c.text = tc.text;
    c.examples = tc.examples;
    if (world->kind_ == ConditionKind::Image && !tc.images.empty()) c.image = zoo.image_path(name, 0);
    c.held_out = world->generator_->task_index(name) < 0;
    world->conditions_.push_back(std::move(c));
    tasks.push_back({name, zoo.task_params(name).clone(), world->conditions_.back().held_out});
    soups.push_back(tasks.back().checkpoints.mean(0));
  }
  world->atlas_ = build_latent_atlas(*world->generator_, tasks);
  world->soups_ = torch::stack(soups);
  for (size_t t = 0; t < tasks.size(); ++t) {
    const auto a = world->agreement(tasks[t].checkpoints, t);
    world->original_best_.push_back(*std::max_element(a.begin(), a.end()));
  }
  return world;
}

std::string ZooWorld::notice() const {
  return "Your generator " + dir_ + " on the zoo " + zoo_dir_ +
         ": candidates are scored by how well their ΔW agrees with their task's ΔW soup (a zoo has no task metric here).";
}

std::vector<double> ZooWorld::agreement(const torch::Tensor& rows, size_t task) const {
  const ZooLayout& layout = generator_->layout;
  const torch::Tensor x = rows.to(torch::kFloat32).reshape({-1, layout.dim()});
  const torch::Tensor s = soups_.narrow(0, static_cast<int64_t>(task), 1);
  const torch::Tensor cos = delta_cosines(layout, x, s).squeeze(1);
  std::vector<double> out;
  for (int64_t i = 0; i < cos.size(0); ++i) out.push_back(100.0 * cos[i].item<double>());
  return out;
}

CandidateTable ZooWorld::candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                         const WorldCondition& condition) const {
  torch::InferenceMode inference;
  const std::string name = task_of(condition);
  if (name.empty())
    return lorastudio::candidate_table(atlas_, latents, "", {}, {}, {}, "agreement with a task's ΔW soup (none: a condition of your own)");
  std::vector<torch::Tensor> rows;
  for (const auto& a : adapters) rows.push_back(generator_->layout.flatten(a));
  const auto task = static_cast<size_t>(StudioWorld::condition(name) - conditions_.data());
  return lorastudio::candidate_table(atlas_, latents, name, agreement(torch::stack(rows), task), original_best_[task], {},
                                     "agreement with " + name + "'s ΔW soup, 100·cosine");
}

std::unique_ptr<PreviewProvider> ZooWorld::preview_provider() const {
  std::vector<std::string> names;
  for (const auto& c : conditions_) names.push_back(c.name);
  return std::make_unique<TaskAffinityPreview>(generator_->layout, names, soups_, "agreement of the mix with each task's ΔW soup");
}

}  // namespace lorastudio
