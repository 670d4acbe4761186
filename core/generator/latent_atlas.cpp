#include "core/generator/latent_atlas.h"

#include <map>

#include <nlohmann/json.hpp>

#include "core/generator/conditional_generator.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/zoo/zoo_layout.h"

namespace lorastudio {
namespace {

// The normaliser key generation decodes `task` with: the task's own statistics, else the global ones.
std::string statistics_for(const ConditionalGenerator& g, const std::string& task) {
  if (g.normalizer.can_normalize(task)) return task;
  if (g.normalizer.can_normalize("")) return "";
  throw Error("latent atlas: no normalisation statistics for task \"" + task + "\" and no global ones");
}

torch::Tensor encode_rows(ConditionalGenerator& g, const std::string& task, const torch::Tensor& params) {
  const auto z = g.normalizer.encode(statistics_for(g, task), params.to(torch::kFloat32));
  std::vector<torch::Tensor> latents;
  for (int64_t start = 0; start < z.size(0); start += 256) {
    const auto rows = z.slice(0, start, std::min(z.size(0), start + 256)).to(g.device());
    latents.push_back((g.autoencoder->encode(rows) * g.latent_scale).flatten(1).to(torch::kCPU, torch::kFloat32));
  }
  return torch::cat(latents);
}

}  // namespace

torch::Tensor atlas_latents(ConditionalGenerator& g, const std::string& task, const torch::Tensor& params) {
  torch::InferenceMode inference;
  g.eval();
  return encode_rows(g, task, params);
}

bool shares_a_factors(const ZooLayout& layout, const torch::Tensor& checkpoints) {
  if (checkpoints.size(0) < 2) return true;
  for (const auto& m : layout.modules()) {
    const auto a = checkpoints.slice(1, m.offset_A, m.offset_A + m.size_A());
    if (!torch::equal(a, a[0].unsqueeze(0).expand_as(a))) return false;
  }
  return true;
}

LatentAtlas build_latent_atlas(ConditionalGenerator& g, const std::vector<AtlasTask>& tasks) {
  torch::InferenceMode inference;
  g.eval();
  LatentAtlas atlas;
  std::vector<torch::Tensor> latents, index, soups;
  bool exact_soups = true;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const auto& task = tasks[t];
    if (task.checkpoints.dim() != 2 || task.checkpoints.size(1) != g.layout.dim() || task.checkpoints.size(0) == 0)
      throw Error("latent atlas: task \"" + task.name + "\" has no checkpoints or ones of the wrong size for the generator's layout");
    latents.push_back(encode_rows(g, task.name, task.checkpoints));
    soups.push_back(encode_rows(g, task.name, task.checkpoints.to(torch::kFloat64).mean(0, true)));
    exact_soups = exact_soups && shares_a_factors(g.layout, task.checkpoints);
    index.push_back(torch::full({task.checkpoints.size(0)}, static_cast<int64_t>(t), torch::kInt64));
    atlas.tasks.push_back(task.name);
    atlas.held_out.push_back(task.held_out);
  }
  if (latents.empty()) throw Error("latent atlas: no checkpoints");
  atlas.latents = torch::cat(latents);
  atlas.task_index = torch::cat(index);
  atlas.soups = torch::cat(soups);
  atlas.soup_kind = exact_soups ? "delta_w" : "parameter_mean";
  return atlas;
}

void save_latent_atlas(const LatentAtlas& atlas, const std::string& path, bool float16) {
  nlohmann::json tasks = nlohmann::json::array();
  for (size_t t = 0; t < atlas.tasks.size(); ++t) tasks.push_back({{"name", atlas.tasks[t]}, {"held_out", bool(atlas.held_out[t])}});
  const auto stored = [&](const torch::Tensor& t) { return float16 ? t.to(torch::kFloat16) : t; };
  std::vector<NamedTensor> tensors = {{"latents", stored(atlas.latents)}, {"task_index", atlas.task_index}};
  std::map<std::string, std::string> metadata = {{"format", "lora-studio latent atlas"}, {"tasks", tasks.dump()}};
  if (atlas.has_soups()) {
    tensors.push_back({"soups", stored(atlas.soups)});
    metadata["soup_kind"] = atlas.soup_kind;
  }
  write_safetensors(path, tensors, metadata);
}

LatentAtlas load_latent_atlas(const std::string& path) {
  const SafetensorsReader reader(path);
  if (!reader.contains("latents") || !reader.contains("task_index"))
    throw FileError(path, "a latent atlas needs the tensors 'latents' and 'task_index'");
  LatentAtlas atlas;
  atlas.latents = reader.tensor("latents").to(torch::kFloat32).contiguous();
  atlas.task_index = reader.tensor("task_index").to(torch::kInt64).contiguous();
  nlohmann::json tasks;
  try {
    tasks = nlohmann::json::parse(reader.metadata().at("tasks"));
    for (const auto& t : tasks) {
      atlas.tasks.push_back(t.at("name").get<std::string>());
      atlas.held_out.push_back(t.at("held_out").get<bool>());
    }
  } catch (const std::exception&) {
    throw FileError(path, "the metadata 'tasks' must list {name, held_out} for every task");
  }
  if (atlas.latents.dim() != 2 || atlas.task_index.dim() != 1 || atlas.task_index.size(0) != atlas.latents.size(0))
    throw FileError(path, "'latents' must be [N, dim] and 'task_index' [N]");
  if (atlas.size() > 0 && (atlas.task_index.min().item<int64_t>() < 0 ||
                           atlas.task_index.max().item<int64_t>() >= static_cast<int64_t>(atlas.tasks.size())))
    throw FileError(path, "a task index is outside the task list");
  if (!torch::isfinite(atlas.latents).all().item<bool>()) throw FileError(path, "the latents hold NaN or Inf");
  if (reader.contains("soups")) {
    atlas.soups = reader.tensor("soups").to(torch::kFloat32).contiguous();
    const auto kind = reader.metadata().find("soup_kind");
    atlas.soup_kind = kind == reader.metadata().end() ? "parameter_mean" : kind->second;
    if (!atlas.has_soups() || atlas.soups.size(1) != atlas.dimension() || !torch::isfinite(atlas.soups).all().item<bool>())
      throw FileError(path, "'soups' must be [tasks, dim] and finite");
  }
  return atlas;
}

}  // namespace lorastudio
