// libFuzzer harnesses for the JSON files the studio reads, each through the loader users reach:
//   adapter_config  -> load_adapter(PEFT dir)           (adapter_config.json)
//   zoo             -> Zoo::open(dir) and its reads     (zoo.json)
//   generator       -> ConditionalGenerator::load(dir)  (generator.json)
//   train_config    -> GeneratorConfig::load(file)      (train --config)
// One source, built once per target with -DLORASTUDIO_JSON_FUZZ_TARGET=<n> (see CMakeLists.txt).
//
// At start-up the harness writes a small valid fixture (adapter, zoo or generator bundle) into a private
// temporary directory, and its JSON file into $FUZZ_SEED_DIR when set (the seed corpus). Every input then
// replaces that one JSON file and the loader runs on the directory. The loader must succeed or throw
// lorastudio::Error whose message names the file; any other exception (a raw nlohmann, std or LibTorch
// error the user would see as such), a crash, a sanitizer report or a timeout is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generator_config.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;
using namespace lorastudio;

namespace {

#define LS_TARGET_adapter_config 1
#define LS_TARGET_zoo 2
#define LS_TARGET_generator 3
#define LS_TARGET_train_config 4
#define LS_CAT(a, b) a##b
#define LS_TARGET_ID(name) LS_CAT(LS_TARGET_, name)
constexpr int kTarget = LS_TARGET_ID(LORASTUDIO_JSON_FUZZ_TARGET);

std::string g_dir;   // the fixture
std::string g_file;  // the JSON file each input replaces

LoraAdapter small_adapter(uint64_t seed) {
  torch::manual_seed(seed);
  LoraAdapter a;
  for (const char* path : {"blocks.0.attn.to_q", "blocks.0.attn.to_v"}) {
    LoraModule m;
    m.path = path;
    m.A = torch::randn({2, 8});
    m.B = torch::randn({8, 2});
    m.alpha = 4;
    a.modules.push_back(m);
  }
  return a;
}

void make_zoo() {
  Zoo zoo = Zoo::create(g_dir);
  std::vector<ZooCheckpoint> first{{small_adapter(1), "/loras/a1", {{"fid", 20.5}}}, {small_adapter(2), "/loras/a2", {}}};
  zoo.add_task("oil", TaskCondition::from_text("thick oil paint", {"a boat", "a tree"}), first);
  zoo.add_task("ink", TaskCondition::from_text("black ink"), {{small_adapter(3), "/loras/b1", {}}});
  g_file = (fs::path(g_dir) / "zoo.json").string();
}

GeneratorConfig small_config() {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {8, 8};
  c.autoencoder.latent_channels = 2;
  c.autoencoder.latent_length = 4;
  c.denoiser.kind = "unet";
  c.denoiser.channels = {8, 8};
  c.denoiser.emb_dim = 16;
  c.condition.kind = "text";
  c.condition.dim = 16;
  return c;
}

void make_generator() {
  const ZooLayout layout = ZooLayout::from_adapter(small_adapter(1));
  ParameterNormalizer normalizer(NormalizationOptions{});
  normalizer.fit({{"oil", torch::randn({3, layout.dim()})}, {"ink", torch::randn({2, layout.dim()})}});
  std::vector<GeneratorTask> tasks(2);
  tasks[0].name = "oil";
  tasks[0].condition = TaskCondition::from_text("thick oil paint", {"a boat"});
  tasks[1].name = "ink";
  tasks[1].condition = TaskCondition::from_text("black ink");
  ConditionalGenerator(small_config(), layout, normalizer, tasks).save(g_dir);
  g_file = (fs::path(g_dir) / "generator.json").string();
}

void make_fixture() {
  char pattern[] = "/tmp/lorastudio-json-fuzz-XXXXXX";
  const char* made = mkdtemp(pattern);
  if (!made) std::abort();
  g_dir = made;
  torch::set_num_threads(1);
  if (kTarget == LS_TARGET_adapter_config) {
    g_dir += "/adapter";
    save_adapter(small_adapter(1), AdapterFormat::Peft, g_dir);
    g_file = (fs::path(g_dir) / "adapter_config.json").string();
  } else if (kTarget == LS_TARGET_zoo) {
    g_dir += "/zoo";
    make_zoo();
  } else if (kTarget == LS_TARGET_generator) {
    g_dir += "/generator";
    make_generator();
  } else {
    g_file = g_dir + "/train.json";
    std::ofstream(g_file) << small_config().to_json().dump(2) << "\n";
  }
}

void copy_seed() {
  const char* seeds = std::getenv("FUZZ_SEED_DIR");
  if (!seeds || !*seeds) return;
  fs::create_directories(seeds);
  fs::copy_file(g_file, fs::path(seeds) / "valid.json", fs::copy_options::overwrite_existing);
}

void write_input(const uint8_t* data, size_t size) {
  std::ofstream f(g_file, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// What a user's command would do with the file once loaded.
void load_and_use() {
  if (kTarget == LS_TARGET_adapter_config) {
    const LoadedAdapter a = load_adapter(g_dir);
    for (const auto& m : a.adapter.modules) (void)a.adapter.scale(m);
  } else if (kTarget == LS_TARGET_zoo) {
    const Zoo zoo = Zoo::open(g_dir);
    for (const auto& task : zoo.tasks()) (void)zoo.task_params(task);
    (void)zoo.summary().dump();
  } else if (kTarget == LS_TARGET_generator) {
    ConditionalGenerator g = ConditionalGenerator::load(g_dir);
    (void)g.task_condition(g.tasks.front().name);
  } else {
    const GeneratorConfig c = GeneratorConfig::load(g_file);
    (void)c.make_sampler_scheduler("ddim");
    (void)c.to_json().dump();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_fixture();
  copy_seed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  write_input(data, size);
  try {
    load_and_use();
  } catch (const Error& e) {
    // Expected for a bad file; the message must say which file (or directory) it is about.
    if (!std::strstr(e.what(), g_dir.c_str()) && !std::strstr(e.what(), g_file.c_str())) {
      std::fprintf(stderr, "FINDING: an error that names no file: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: a raw exception reached the user: %s\n", e.what());
    std::abort();
  }
  return 0;
}
