#include "core/textworld/text_demo_writer.h"

#include <filesystem>
#include <set>

#include "core/generator/latent_atlas.h"
#include "core/generator/module_weights.h"
#include "core/generator/unseen_guidance.h"
#include "core/io/checkpoint_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/textworld/text_zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/util/json_reader.h"
#include "core/wordnet/task_suite_file.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio::textworld {

namespace {

// The checkpoint `from` (a safetensors file, or a folder holding one) written to `to`, its floating-point tensors
// as float16 when `half` (loaders cast them back to the module's type).
void write_weights(const std::string& from, const fs::path& to, bool half) {
  const CheckpointReader reader(from);
  std::vector<NamedTensor> tensors;
  for (const auto& name : reader.names()) {
    const torch::Tensor t = reader.tensor(name);
    tensors.push_back({name, half && t.is_floating_point() ? t.to(torch::kHalf) : t.clone()});
  }
  write_safetensors(to.string(), tensors, {{"format", "pt"}});
}

void write_base(const TextDemoSources& src, const fs::path& out) {
  fs::create_directories(out);
  for (const char* f : {"config.json", "vocab.txt"}) fs::copy_file(fs::path(src.base_dir) / f, out / f);
  write_weights(src.base_dir, out / "model.safetensors", src.float16);
}

// The generator without its training state, its word vectors beside it under a name relative to the bundle; its
// weights (autoencoder, denoiser, condition encoder) in float16 with `float16`, as the recipe evaluated them
// (round_to_bundle_precision). The normalisation statistics keep their precision.
void write_generator(const TextDemoSources& src, const fs::path& out) {
  fs::create_directories(out);
  const std::set<std::string> weights = {"autoencoder.safetensors", "denoiser.safetensors", "condition_encoder.safetensors"};
  for (const auto& entry : fs::directory_iterator(src.generator_dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "state") continue;
    if (weights.count(name)) write_weights(entry.path().string(), out / name, src.float16);
    else fs::copy(entry.path(), out / name, fs::copy_options::recursive);
  }
  const std::string gpath = (out / "generator.json").string();
  nlohmann::json g = parse_json(read_text_file(gpath), gpath);
  nlohmann::json& condition = g["config"]["condition"];
  const std::string model = condition.value("model", "");
  if (!model.empty()) {
    const fs::path from = fs::path(model).is_relative() ? fs::path(src.generator_dir) / model : fs::path(model);
    if (!fs::exists(from)) throw FileError(from.string(), "does not exist: the generator's condition model");
    fs::copy_file(from, out / "condition-vectors.safetensors", fs::copy_options::overwrite_existing);
    condition["model"] = "condition-vectors.safetensors";
  }
  write_file_atomically(gpath, g.dump(2) + "\n");
}

// The suite with what the demo uses: each task's two shots (as its training split) and its test split.
void write_suite(const TextDemoSources& src, const fs::path& out) {
  wordnet::TaskSuite suite = wordnet::load_task_suite(src.suite_file);
  for (auto& t : suite.tasks) {
    t.train = t.shots();
    t.dev.clear();
  }
  wordnet::save_task_suite(out.string(), suite);
}

// Every harvested checkpoint of both zoos in the bundled generator's latent space, under the suite's task names
// (what the studio's trajectory view embeds beside the sampling paths).
void write_atlas(const TextDemoSources& src, const fs::path& out) {
  const wordnet::TaskSuite suite = wordnet::load_task_suite(src.suite_file);
  ConditionalGenerator generator = ConditionalGenerator::load((out / "generator").string());
  std::vector<AtlasTask> tasks;
  for (const auto& [dir, held_out] : {std::pair{text_zoo_dir(src.harvest_dir), false}, {text_held_out_zoo_dir(src.harvest_dir), true}}) {
    if (!fs::exists(fs::path(dir) / "zoo.json")) continue;
    const Zoo zoo = Zoo::open(dir);
    for (const auto& t : suite.tasks)
      if (t.held_out == held_out && zoo.has_task(zoo_task_name(t.name)))
        tasks.push_back({t.name, zoo.task_params(zoo_task_name(t.name)).clone(), held_out});
  }
  if (tasks.empty()) throw FileError(src.harvest_dir, "holds no zoo of the suite's tasks: the demo's atlas needs one");
  LatentAtlas atlas = build_latent_atlas(generator, tasks);
  // Evenly spaced checkpoints of each task: the atlas stays small while every task keeps its spread.
  std::vector<int64_t> keep;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const torch::Tensor rows = atlas.task_index.eq(static_cast<int64_t>(t)).nonzero().squeeze(1);
    const int64_t n = rows.size(0), k = std::min<int64_t>(n, std::max<int64_t>(1, src.atlas_checkpoints));
    for (int64_t i = 0; i < k; ++i) keep.push_back(rows[k > 1 ? i * (n - 1) / (k - 1) : n - 1].item<int64_t>());
  }
  const torch::Tensor index = torch::tensor(keep, torch::kLong);
  atlas.latents = atlas.latents.index_select(0, index);
  atlas.task_index = atlas.task_index.index_select(0, index);
  save_latent_atlas(atlas, (out / "atlas.safetensors").string(), src.float16);
}

std::vector<std::string> default_check_tasks(const wordnet::TaskSuite& suite) {
  std::vector<std::string> seen, held;
  for (const auto& t : suite.tasks) (t.held_out ? held : seen).push_back(t.name);
  seen.resize(std::min<size_t>(3, seen.size()));
  held.resize(std::min<size_t>(2, held.size()));
  seen.insert(seen.end(), held.begin(), held.end());
  return seen;
}

void write_demo_json(const TextDemoSources& src, const TextDemoCheck& check, const fs::path& out) {
  const nlohmann::json j = {{"format", kTextDemoFormat}, {"world", "text"}, {"name", src.name}, {"recipe", src.recipe},
                            {"max_length", src.max_length}, {"sampling", sampling_json(src.sampling, check.unseen_guidance)},
                            {"check", check.to_json()}};
  write_file_atomically((out / "demo.json").string(), j.dump(2) + "\n");
}

}  // namespace

void round_to_bundle_precision(ConditionalGenerator& generator, bool float16) {
  if (!float16) return;
  round_module_weights(*generator.autoencoder, torch::kHalf);
  round_module_weights(*generator.denoiser, torch::kHalf);
  if (!generator.condition_encoder->parameters().empty())  // saved only then (its word vectors are a file of their own)
    round_module_weights(*generator.condition_encoder, torch::kHalf);
}

int64_t write_text_demo(const TextDemoSources& src, const std::string& out_dir) {
  // Written beside the destination and renamed into place: an interrupted run leaves no half bundle behind.
  const fs::path out = out_dir + ".partial";
  remove_tree(out.string());
  fs::create_directories(out);
  write_base(src, out / "base");
  write_generator(src, out / "generator");
  write_suite(src, out / "tasks.json");
  if (!src.harvest_dir.empty()) write_atlas(src, out);
  for (const char* f : {"evaluation.json", "evaluation.md"})
    if (!src.evaluation_dir.empty() && fs::exists(fs::path(src.evaluation_dir) / f))
      fs::copy_file(fs::path(src.evaluation_dir) / f, out / f);
  TextDemoCheck check = src.check;
  check.guidance = src.sampling.guidance;
  check.unseen_guidance = std::isnan(src.unseen_guidance) ? check.guidance : src.unseen_guidance;
  if (check.tasks.empty()) check.tasks = default_check_tasks(wordnet::load_task_suite((out / "tasks.json").string()));
  check.figures.clear();
  write_demo_json(src, check, out);
  check.figures = measure_text_demo_check(TextDemo::load(out.string()), check);  // what the bundle as written gives
  write_demo_json(src, check, out);
  remove_tree(out_dir);
  fs::rename(out, out_dir);
  return tree_bytes(out_dir);
}

}  // namespace lorastudio::textworld
