#include "core/bench/train_bench.h"

#include <filesystem>
#include <random>

#include <torch/torch.h>

#include "core/bench/bench_environment.h"
#include "core/generator/generator_trainer.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

ZooLayout bench_layout(int64_t modules) {
  LoraAdapter a;
  for (int64_t i = 0; i < modules; ++i) {
    LoraModule m;
    m.path = "blocks." + std::to_string(i / 2) + (i % 2 ? ".attn.v_proj" : ".attn.q_proj");
    m.A = torch::zeros({4, 768});
    m.B = torch::zeros({768, 4});
    m.alpha = 8;
    a.modules.push_back(m);
  }
  return ZooLayout::from_adapter(a);
}

// 4 tasks × 16 checkpoints around random centres.
void fill_zoo(Zoo& zoo, const ZooLayout& layout) {
  const char* texts[] = {"summarise the article", "translate to French", "answer the question", "classify the sentiment"};
  for (int t = 0; t < 4; ++t) {
    FlatCheckpoints rows;
    rows.params = torch::randn({1, layout.dim()}) * 0.02 + torch::randn({16, layout.dim()}) * 0.005;
    zoo.add_task("task" + std::to_string(t), TaskCondition::from_text(texts[t]), rows, layout);
  }
}

GeneratorConfig bench_config(const TrainBenchOptions& o) {
  GeneratorConfig c;
  c.autoencoder.patch = 64;
  c.autoencoder.channels = {64, 128, 128};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 32;
  c.denoiser.channels = {64, 128, 256};
  c.denoiser.emb_dim = 256;
  c.condition.kind = "text";
  c.condition.dim = 128;
  c.train.ae_steps = o.steps;
  c.train.diffusion_steps = o.steps;
  c.train.ae_batch = o.batch;
  c.train.batch = o.batch;
  c.train.checkpoint_every = 1000000;
  c.train.device = o.device;
  c.train.bf16 = o.bf16;
  return c;
}

}  // namespace

nlohmann::json run_train_bench(const TrainBenchOptions& o) {
  if (o.steps < 1 || o.batch < 1 || o.modules < 1) throw Error("bench train: steps, batch and modules must be positive");
  if (o.device != "cpu" && !torch::cuda::is_available()) throw Error("bench train: no CUDA device is available");
  torch::manual_seed(0);
  const fs::path root = fs::temp_directory_path() / ("lorastudio-bench-train-" + std::to_string(std::random_device{}()));
  const ZooLayout layout = bench_layout(o.modules);
  Zoo zoo = Zoo::create((root / "zoo").string());
  fill_zoo(zoo, layout);
  const GeneratorConfig config = bench_config(o);
  nlohmann::json stages = nlohmann::json::object();
  if (o.progress) o.progress("training " + std::to_string(o.steps) + " steps per stage on " + o.device);
  try {
    const TrainResult r = train_generator(zoo, config, (root / "generator").string(), false, [&](const TrainProgress& p) {
      if (p.step == p.total)
        stages[p.stage] = {{"steps", p.total}, {"steps_per_second", p.steps_per_second},
                           {"seconds_per_1000_steps", p.steps_per_second > 0 ? 1000.0 / p.steps_per_second : 0.0},
                           {"final_loss", p.loss}};
      return true;
    }, o.steps);
    (void)r;
  } catch (...) {
    remove_tree(root.string());
    throw;
  }
  remove_tree(root.string());
  return {{"benchmark", "train"},
          {"device", o.device},
          {"environment", bench_environment()},
          {"adapter_parameters", layout.dim()},
          {"tasks", 4},
          {"checkpoints_per_task", 16},
          {"batch", o.batch},
          {"bf16_autocast", o.device != "cpu" && o.bf16},
          {"stages", stages}};
}

}  // namespace lorastudio
