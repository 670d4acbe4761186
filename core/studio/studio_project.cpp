#include "core/studio/studio_project.h"

#include <torch/torch.h>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {
namespace {

std::string tensor_name(size_t generation, const char* what) { return "generation_" + std::to_string(generation) + "." + what; }

void check_shapes(const ProjectGeneration& g, size_t index) {
  const std::string label = "generation " + std::to_string(index);
  if (!g.step_latents.defined() || g.step_latents.dim() != 3 || g.step_latents.size(0) != g.steps ||
      g.step_latents.size(1) != g.samples)
    throw Error("project: " + label + ": step latents must be [steps, samples, dim]");
  if (!g.parameters.defined() || g.parameters.dim() != 2 || g.parameters.size(0) != g.samples)
    throw Error("project: " + label + ": parameters must be [samples, D]");
}

nlohmann::json generation_json(const ProjectGeneration& g) {
  nlohmann::json j = {{"style", g.style}, {"condition", g.condition}, {"samples", g.samples}, {"steps", g.steps},
                      {"sampler", g.sampler}, {"seed", g.seed}, {"guidance", g.guidance}};
  if (!g.text.empty()) j["text"] = g.text;
  if (!g.examples.empty()) j["examples"] = g.examples;
  return j;
}

ProjectGeneration read_generation(const nlohmann::json& j, const std::string& label, size_t index, const SafetensorsReader& reader) {
  const JsonReader r(j, label, "generations[" + std::to_string(index) + "]");
  r.only({"style", "condition", "text", "examples", "samples", "steps", "sampler", "seed", "guidance"});
  ProjectGeneration g;
  g.style = r.string_at("style");
  g.condition = r.string_at("condition");
  r.read("text", g.text);
  if (r.has("examples")) g.examples = r.strings_at("examples");
  if (g.condition.empty() && g.text.empty()) r.fail("condition", "is empty and the generation has no text condition either");
  g.samples = r.int_at("samples", 1, 4096);
  g.steps = r.int_at("steps", 1, 100000);
  r.read("sampler", g.sampler, {"ddpm", "ddim", "dpmpp"});
  r.read("seed", g.seed);
  g.guidance = r.double_at("guidance", 0, 1000);
  for (const char* what : {"step_latents", "parameters"})
    if (!reader.contains(tensor_name(index, what))) throw FileError(label, "the tensor " + tensor_name(index, what) + " is missing");
  g.step_latents = reader.tensor(tensor_name(index, "step_latents")).to(torch::kFloat32);
  g.parameters = reader.tensor(tensor_name(index, "parameters")).to(torch::kFloat32);
  try {
    check_shapes(g, index);
  } catch (const Error& e) {
    throw FileError(label, e.what());
  }
  if (!torch::isfinite(g.step_latents).all().item<bool>() || !torch::isfinite(g.parameters).all().item<bool>())
    throw FileError(label, "generation " + std::to_string(index) + " holds NaN or Inf");
  return g;
}

std::string walk_name(size_t walk, const char* what) { return "walk_" + std::to_string(walk) + "." + what; }

ProjectWalk read_walk(const nlohmann::json& j, const std::string& label, size_t index, const SafetensorsReader& reader) {
  const JsonReader r(j, label, "walks[" + std::to_string(index) + "]");
  r.only({"from", "to", "weights", "largest_step", "interpolation_largest_step"});
  ProjectWalk w;
  w.from = r.string_at("from");
  w.to = r.string_at("to");
  const nlohmann::json& weights = r.at("weights");
  if (!weights.is_array() || weights.size() < 2) r.fail("weights", "expected at least 2 weights");
  for (const auto& v : weights) {
    if (!v.is_number()) r.fail("weights", "expected numbers");
    w.weights.push_back(v.get<double>());
  }
  w.largest_step = r.double_at("largest_step", 0, 1e6);
  w.interpolation_largest_step = r.double_at("interpolation_largest_step", 0, 1e6);
  if (!reader.contains(walk_name(index, "latents"))) throw FileError(label, "the tensor " + walk_name(index, "latents") + " is missing");
  w.latents = reader.tensor(walk_name(index, "latents")).to(torch::kFloat32);
  if (reader.contains(walk_name(index, "interpolation_latents")))
    w.interpolation_latents = reader.tensor(walk_name(index, "interpolation_latents")).to(torch::kFloat32);
  if (reader.contains(walk_name(index, "parameters"))) w.parameters = reader.tensor(walk_name(index, "parameters")).to(torch::kFloat32);
  if (w.parameters.defined() && (w.parameters.dim() != 2 || w.parameters.size(0) != static_cast<int64_t>(w.weights.size())))
    throw FileError(label, "walk " + std::to_string(index) + ": its parameters must be [weights, D]");
  const auto fits = [&](const torch::Tensor& t) { return !t.defined() || (t.dim() == 2 && t.size(0) == static_cast<int64_t>(w.weights.size())); };
  if (!fits(w.latents) || !fits(w.interpolation_latents) || !w.latents.defined())
    throw FileError(label, "walk " + std::to_string(index) + ": its latents must be [weights, dim]");
  return w;
}

}  // namespace

void save_studio_project(const StudioProject& project, const std::string& path) {
  nlohmann::json generations = nlohmann::json::array();
  std::vector<NamedTensor> tensors;
  for (size_t i = 0; i < project.generations.size(); ++i) {
    const auto& g = project.generations[i];
    check_shapes(g, i);
    generations.push_back(generation_json(g));
    tensors.push_back({tensor_name(i, "step_latents"), g.step_latents.to(torch::kFloat32)});
    tensors.push_back({tensor_name(i, "parameters"), g.parameters.to(torch::kFloat32)});
  }
  nlohmann::json walks = nlohmann::json::array();
  for (size_t i = 0; i < project.walks.size(); ++i) {
    const auto& w = project.walks[i];
    if (!w.latents.defined() || w.latents.dim() != 2 || w.latents.size(0) != static_cast<int64_t>(w.weights.size()))
      throw Error("project: walk " + std::to_string(i) + ": latents must be [weights, dim]");
    walks.push_back({{"from", w.from}, {"to", w.to}, {"weights", w.weights}, {"largest_step", w.largest_step},
                     {"interpolation_largest_step", w.interpolation_largest_step}});
    tensors.push_back({walk_name(i, "latents"), w.latents.to(torch::kFloat32)});
    if (w.interpolation_latents.defined()) tensors.push_back({walk_name(i, "interpolation_latents"), w.interpolation_latents.to(torch::kFloat32)});
    if (w.parameters.defined()) tensors.push_back({walk_name(i, "parameters"), w.parameters.to(torch::kFloat32)});
  }
  const nlohmann::json body = {{"demo", project.demo}, {"generations", generations}, {"walks", walks}, {"view", project.view}};
  write_safetensors(path, tensors,
                    {{"format", kStudioProjectFormat}, {"version", std::to_string(kStudioProjectVersion)}, {"project", body.dump()}});
}

StudioProject load_studio_project(const std::string& path) {
  const SafetensorsReader reader(path);
  const auto& metadata = reader.metadata();
  const auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kStudioProjectFormat)
    throw FileError(path, "not a LoRA Studio project (its metadata has no format \"" + std::string(kStudioProjectFormat) + "\")");
  const auto version = metadata.find("version");
  if (version == metadata.end() || std::atoi(version->second.c_str()) > kStudioProjectVersion)
    throw FileError(path, "made by a newer LoRA Studio (this one reads version " + std::to_string(kStudioProjectVersion) + ")");
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(metadata.at("project"));
  } catch (const std::exception&) {
    throw FileError(path, "the metadata 'project' is missing or not JSON");
  }
  const JsonReader r(body, path);
  r.only({"demo", "generations", "walks", "view"});
  StudioProject project;
  project.demo = r.string_at("demo");
  const nlohmann::json& generations = r.at("generations");
  if (!generations.is_array()) r.fail("generations", "expected an array");
  for (size_t i = 0; i < generations.size(); ++i) project.generations.push_back(read_generation(generations[i], path, i, reader));
  if (r.has("walks")) {
    const nlohmann::json& walks = r.at("walks");
    if (!walks.is_array()) r.fail("walks", "expected an array");
    for (size_t i = 0; i < walks.size(); ++i) project.walks.push_back(read_walk(walks[i], path, i, reader));
  }
  if (r.has("view")) project.view = r.at("view");
  return project;
}

}  // namespace lorastudio
