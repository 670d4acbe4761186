// lora-studio-cli generate --generator GEN (--text "…" [--example "…"]… | --image IMG) -n 20 ... -o OUT
#include <cmath>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/command_evaluator.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/formats/adapter_io.h"
#include "core/generator/autocast_guard.h"
#include "core/generator/best_of_n.h"
#include "core/generator/generation.h"
#include "core/generator/memorization_report.h"
#include "core/imaging/image_io.h"
#include "core/io/safetensors_writer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio::cli {
namespace {

nlohmann::json report_json(const MemorizationReport& r) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : r.candidates)
    cands.push_back({{"nearest_own", c.nearest_own}, {"nearest_any", c.nearest_any}, {"nearest_task", c.nearest_task},
                     {"nearest_index", c.nearest_index}, {"relative_to_spread", c.relative_to_spread},
                     {"mean_module_cosine", c.mean_module_cosine}, {"min_module_cosine", c.min_module_cosine},
                     {"is_copy", c.is_copy}});
  return {{"task", r.task}, {"own_task_fraction", r.own_task_fraction}, {"copies", r.copies},
          {"spread", {{"min", r.spread.min}, {"median", r.spread.median}, {"max", r.spread.max}}}, {"candidates", cands}};
}

}  // namespace

int run_generate(int argc, char** argv) {
  ArgParser p("generate", "Generate N LoRA adapters for a condition with a trained generator; writes PEFT adapters\n"
                          "OUT/adapter_000, ... and OUT/report.json.");
  p.option("--generator", "GEN", "generator directory (see 'train')", "", true)
      .option("--text", "TEXT", "task description")
      .repeated_option("--example", "TEXT", "a few-shot example of the task (repeatable)")
      .option("--image", "IMG", "style image")
      .option("--task", "NAME", "decode with this training task's statistics (default: the task whose text matches)")
      .option("-n", "N", "number of adapters", "20")
      .option("--sampler", "ddpm|ddim|dpmpp", "sampler", "ddim")
      .option("--steps", "S", "sampling steps", "25")
      .option("--guidance", "G", "classifier-free guidance scale (1 = off)", "1.0")
      .option("--seed", "SEED", "random seed", "0")
      .option("--device", "cpu|cuda", "where to sample", "cpu")
      .option("-o", "OUT", "output directory", "", true)
      .option("--trajectory", "FILE", "write every step's latent x_t and x0 prediction (safetensors)")
      .flag("--bf16", "bf16 autocast for the denoiser on CUDA (the decoder stays float32)")
      .option("--zoo", "ZOO", "the training zoo: adds the memorisation report (nearest checkpoints, spread)")
      .option("--evaluate", "CMD", "best-of-N: score every adapter with this shell command; {adapter} becomes the\n"
                                   "adapter directory, {task} the task, {index} its index; the last line it prints\n"
                                   "is the score. The report lists all scores and the best")
      .flag("--lower-is-better", "with --evaluate: the lowest score is the best (e.g. a loss)");
  if (!p.parse(argc, argv)) return 0;
  if (p.has("--text") == p.has("--image")) throw UsageError("give exactly one of --text or --image");
  if (p.has("--lower-is-better") && !p.has("--evaluate")) throw UsageError("--lower-is-better needs --evaluate");
  ConditionalGenerator g = ConditionalGenerator::load(p.get("--generator"));
  if (p.get("--device") == "cuda") g.to(torch::kCUDA);
  ConditionInput condition;
  condition.text = p.get("--text");
  condition.examples = p.list("--example");
  if (p.has("--image")) condition.image = load_rgb_image(p.get("--image"));
  if (p.has("--task")) condition.task_index = g.task_index(p.get("--task"));
  GenerateOptions o;
  o.count = p.get_int("-n");
  o.sampler = p.get("--sampler");
  o.steps = p.get_int("--steps");
  o.guidance = p.get_double("--guidance");
  o.seed = static_cast<uint64_t>(p.get_int("--seed"));
  o.task = p.get("--task");
  watch_interrupts();
  ProgressBar bar;
  std::vector<torch::Tensor> xt, x0;
  std::vector<int64_t> timesteps;
  const bool keep = p.has("--trajectory");
  AutocastGuard bf16(p.has("--bf16") && g.device().is_cuda());
  GeneratedAdapters out = generate_adapters(g, condition, o, [&](const GenerationStep& s) {
    bar.update(s.index + 1, s.total, "t=" + std::to_string(s.timestep));
    if (keep) {
      xt.push_back(s.x_t);
      x0.push_back(s.x0_latent);
      timesteps.push_back(s.timestep);
    }
    return !interrupted();
  });
  bar.finish();
  if (out.cancelled) {
    std::cerr << "cancelled; nothing written\n";
    return 130;
  }
  const fs::path dir = p.get("-o");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir.string(), "cannot create the output directory: " + ec.message());
  const std::string condition_text = p.has("--image") ? "image:" + p.get("--image") : condition.text;
  nlohmann::json files = nlohmann::json::array();
  for (size_t i = 0; i < out.adapters.size(); ++i) {
    LoraAdapter& a = out.adapters[i];
    a.provenance = {{"generator", fs::absolute(p.get("--generator")).string()}, {"condition", condition_text},
                    {"seed", p.get("--seed")}, {"sampler", o.sampler}, {"steps", p.get("--steps")},
                    {"guidance", p.get("--guidance")}, {"index", std::to_string(i)}};
    char name[32];
    std::snprintf(name, sizeof(name), "adapter_%03zu", i);
    save_adapter(a, AdapterFormat::Peft, (dir / name).string());
    files.push_back(name);
  }
  nlohmann::json report = {{"generator", p.get("--generator")}, {"condition", condition_text},
                           {"examples", condition.examples}, {"task", out.task}, {"count", o.count},
                           {"sampler", o.sampler}, {"steps", o.steps}, {"guidance", o.guidance}, {"seed", o.seed},
                           {"seconds", out.seconds}, {"adapters", files}};
  if (p.has("--zoo")) {
    if (out.task.empty())
      std::cerr << "note: no memorisation report: the condition matches no training task (name one with --task)\n";
    else
      report["memorization"] = report_json(memorization_report(Zoo::open(p.get("--zoo")), out.task, out.params));
  }
  if (p.has("--evaluate")) {
    const CommandEvaluator evaluator(p.get("--evaluate"), out.task);
    const bool higher = !p.has("--lower-is-better");
    ProgressBar scoring;
    const BestOfN best = rank_candidates(
        out.adapters,
        [&](const LoraAdapter&, int i) { return evaluator.score((dir / files[static_cast<size_t>(i)].get<std::string>()).string(), i); },
        higher, [&](int done, int total) {
          scoring.update(done, total, "scoring");
          return !interrupted();
        });
    scoring.finish();
    nlohmann::json scores = nlohmann::json::array();
    for (double v : best.scores) scores.push_back(std::isnan(v) ? nlohmann::json() : nlohmann::json(v));
    report["best_of_n"] = {{"evaluator", p.get("--evaluate")}, {"higher_is_better", higher}, {"scores", scores},
                           {"ranking", best.ranking()}, {"best", best.best}, {"cancelled", best.cancelled},
                           {"best_adapter", best.best >= 0 ? files[static_cast<size_t>(best.best)] : nlohmann::json()}};
  }
  write_file_atomically((dir / "report.json").string(), report.dump(2) + "\n");
  if (keep)
    write_safetensors(p.get("--trajectory"), {{"x_t", torch::stack(xt)}, {"x0_pred", torch::stack(x0)},
                                              {"timesteps", torch::tensor(timesteps, torch::kLong)}},
                      {{"condition", condition_text}, {"sampler", o.sampler}});
  std::cout << "wrote " << out.adapters.size() << " adapters to " << dir.string() << " in " << format_double(out.seconds, 3)
            << " s (task statistics: " << (out.task.empty() ? "pooled" : out.task) << ")\n";
  if (report.contains("memorization"))
    std::cout << "  nearest own-task checkpoint for " << format_double(100 * report["memorization"]["own_task_fraction"].get<double>(), 4)
              << "% of them; copies: " << report["memorization"]["copies"].get<int64_t>() << "\n";
  if (report.contains("best_of_n") && report["best_of_n"]["best"].get<int>() >= 0) {
    const int b = report["best_of_n"]["best"].get<int>();
    std::cout << "  best of " << report["best_of_n"]["scores"].size() << ": " << report["best_of_n"]["best_adapter"].get<std::string>()
              << " (score " << format_double(report["best_of_n"]["scores"][static_cast<size_t>(b)].get<double>(), 6) << ")\n";
  }
  return 0;
}

}  // namespace lorastudio::cli
