// lora-studio-cli generate (--generator GEN | --demo NAME) (--text "…" [--example "…"]… | --image IMG) -n 20 ... -o OUT
//                          [--preview PHOTO]  (with a style --demo: PNG previews of each adapter and their PSNR)
//                          [--definition "…"]…  (with a text --demo: the adapters' yes/no answers)
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/command_evaluator.h"
#include "app/cli/commands.h"
#include "app/cli/demo_previews.h"
#include "app/cli/device_option.h"
#include "app/cli/progress_bar.h"
#include "app/cli/run_directory.h"
#include "app/cli/text_demo_answers.h"
#include "core/api/tensor_bridge.h"
#include "core/formats/adapter_io.h"
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

ArgParser generate_parser() {
  ArgParser p("generate", "Generate N LoRA adapters for a condition with a trained generator; writes PEFT adapters\n"
                          "OUT/adapter_000, ... and OUT/report.json.");
  p.option("--generator", "GEN", "generator directory (see 'train')")
      .option("--demo", "NAME", "use a demo bundle's generator instead (models/demo/NAME: style-procedural, text-wordnet)")
      .option("--preview", "PHOTO", "with --demo: apply each adapter to this photo (a file or a photo name), write\n"
                                    "PNG previews and print their PSNR against the style's true output")
      .option("--text", "TEXT", "task description (with a text --demo and a suite task's description, its two\n"
                                "examples are added unless --example is given)")
      .repeated_option("--definition", "TEXT", "with a text --demo: a definition to answer yes or no (repeatable;\n"
                                               "default: the matched task's test definitions, else a few of the suite's)")
      .repeated_option("--example", "TEXT", "a few-shot example of the task (repeatable)")
      .option("--image", "IMG", "style image")
      .option("--task", "NAME", "decode with this training task's statistics (default: the task whose text matches)")
      .option("-n", "N", "number of adapters (1 to 4096)", "20")
      .option("--sampler", "ddpm|ddim|dpmpp", "sampler", "ddim")
      .option("--steps", "S", "sampling steps (1 to the training schedule's length)", "25")
      .option("--guidance", "G", "classifier-free guidance scale, 0 to 50 (1 = off)", "1.0")
      .option("--seed", "SEED", "random seed (0 to 2^63-1)", "0")
      .option("--device", "cpu|cuda", "where to sample", "cpu")
      .option("-o", "OUT", "output directory", "", true)
      .flag("--replace", "OUT holds an earlier run's adapters: replace them (they are kept until the new ones are written)")
      .option("--trajectory", "FILE", "write every step's latent x_t and x0 prediction (safetensors)")
      .flag("--bf16", "bf16 autocast for the denoiser on CUDA (the decoder stays float32)")
      .option("--zoo", "ZOO", "the training zoo: adds the memorisation report (nearest checkpoints, spread, diversity)")
      .option("--evaluate", "CMD", "best-of-N: score every adapter with this shell command; {adapter} becomes the\n"
                                   "adapter directory, {task} the task, {index} its index; the last line it prints\n"
                                   "is the score. The report lists all scores and the best")
      .flag("--lower-is-better", "with --evaluate: the lowest score is the best (e.g. a loss)");
  return p;
}

api::GenerationParams generate_params(const ArgParser& p) {
  api::GenerationParams o;
  o.count = p.get_int("-n", 1, kMaxGenerateCount);
  o.sampler = *api::sampler_from_string(p.get_choice("--sampler", {"ddpm", "ddim", "dpmpp"}));
  o.steps = static_cast<int>(p.get_int("--steps", 1, 100000));
  o.guidance = p.get_double("--guidance", 0.0, kMaxGuidance);
  o.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  o.device = api_device_option(p);
  o.precision = p.has("--bf16") ? api::Precision::BFloat16 : api::Precision::Float32;
  o.preview_every = p.has("--trajectory") ? 1 : 0;
  return o;
}

api::Condition condition_of(const ArgParser& p, const api::Generator& g) {
  api::Condition condition;
  condition.text = p.get("--text");
  condition.examples = p.list("--example");
  condition.image_path = p.get("--image");
  condition.task = p.get("--task");
  if (!condition.task.empty()) {
    bool known = false;
    for (const auto& t : g.info().tasks) known = known || t.name == condition.task;
    if (!known) throw UsageError("--task: the generator has no task \"" + condition.task + "\"");
  }
  return condition;
}

struct Trajectory {
  std::vector<torch::Tensor> xt, x0;
  std::vector<int64_t> timesteps;
};

nlohmann::json best_of_n_json(const ArgParser& p, const api::GenerationResult& out, const RunDirectory& run,
                              const nlohmann::json& files) {
  const CommandEvaluator evaluator(p.get("--evaluate"), out.task);
  const bool higher = !p.has("--lower-is-better");
  ProgressBar scoring;
  const BestOfN best = rank_candidates(
      *out.adapters,
      [&](const LoraAdapter&, int i) { return evaluator.score(run.path(files[static_cast<size_t>(i)].get<std::string>()), i); },
      higher, [&](int done, int total) {
        scoring.update(done, total, "scoring");
        return !interrupted();
      });
  scoring.finish();
  nlohmann::json scores = nlohmann::json::array();
  for (double v : best.scores) scores.push_back(std::isnan(v) ? nlohmann::json() : nlohmann::json(v));
  return {{"evaluator", p.get("--evaluate")}, {"higher_is_better", higher}, {"scores", scores},
          {"ranking", best.ranking()}, {"best", best.best}, {"cancelled", best.cancelled},
          {"best_adapter", best.best >= 0 ? files[static_cast<size_t>(best.best)] : nlohmann::json()}};
}

// Writes the adapters into the run's staging folder; returns their names.
nlohmann::json write_adapters(const ArgParser& p, const api::GenerationParams& o, const api::GenerationResult& out,
                              const RunDirectory& run, const std::string& condition, const std::string& generator_dir) {
  nlohmann::json files = nlohmann::json::array();
  for (size_t i = 0; i < out.adapters->size(); ++i) {
    LoraAdapter a = (*out.adapters)[i];  // shares the tensors; only the provenance is its own
    a.provenance = {{"generator", fs::absolute(generator_dir).string()}, {"condition", condition},
                    {"seed", p.get("--seed")}, {"sampler", api::to_string(o.sampler)}, {"steps", std::to_string(o.steps)},
                    {"guidance", format_double(o.guidance)}, {"index", std::to_string(i)}};
    char name[32];
    std::snprintf(name, sizeof(name), "adapter_%03zu", i);
    save_adapter(a, AdapterFormat::Peft, run.path(name));
    files.push_back(name);
  }
  return files;
}

void print_summary(const nlohmann::json& report, const api::GenerationResult& out, const std::string& dir, int replaced) {
  const double warm_up = report["warm_up_seconds"].get<double>();
  std::cout << "wrote " << out.adapters->size() << " adapters to " << dir << "; generated in " << format_double(out.seconds, 3)
            << " s" << (warm_up > 0 ? " after a " + format_double(warm_up, 3) + " s warm-up of the device" : "")
            << " (task statistics: " << (out.task.empty() ? "pooled" : out.task) << ")"
            << (replaced ? "; replaced " + std::to_string(replaced) + " outputs of an earlier run" : "") << "\n";
  if (report.contains("memorization")) {
    const auto& m = report["memorization"];
    std::cout << "  nearest own-task checkpoint for " << format_double(100 * m["own_task_fraction"].get<double>(), 4)
              << "% of them; copies: " << m["copies"].get<int64_t>() << " (by the " << m["copy_scale"].get<std::string>()
              << ")";
    if (m["diversity"]["ratio"].get<double>() > 0)
      std::cout << "; spread " << format_double(m["diversity"]["ratio"].get<double>(), 3) << "× the checkpoints'";
    std::cout << "\n";
  }
  if (report.contains("best_of_n") && report["best_of_n"]["best"].get<int>() >= 0) {
    const auto& b = report["best_of_n"];
    std::cout << "  best of " << b["scores"].size() << ": " << b["best_adapter"].get<std::string>() << " (score "
              << format_double(b["scores"][b["best"].get<size_t>()].get<double>(), 6) << ")\n";
  }
}

// A text demo samples as its Table 1 was measured, unless the command line says otherwise: with its guidance for
// the suite's training tasks when the description is one's, else with its guidance for descriptions it never saw.
void apply_demo_sampling(const ArgParser& p, const textworld::TextDemo& demo, const wordnet::WordNetTask* task,
                         api::GenerationParams& o) {
  const GenerateOptions sampling = demo.sampling_for(task);
  if (!p.has("--sampler")) o.sampler = *api::sampler_from_string(sampling.sampler);
  if (!p.has("--steps")) o.steps = static_cast<int>(sampling.steps);
  if (p.has("--guidance")) return;
  o.guidance = sampling.guidance;
  if (demo.unseen_guidance == demo.sampling.guidance) return;
  std::cerr << "guidance " << format_double(o.guidance, 3)
            << (task && !task->held_out ? " (the bundle's for the tasks its generator trained on)"
                                        : " (the bundle's for descriptions its generator never trained on)")
            << "\n";
}

}  // namespace

int run_generate(int argc, char** argv) {
  ArgParser p = generate_parser();
  if (!p.parse(argc, argv)) return 0;
  if (p.has("--text") == p.has("--image")) throw UsageError("give exactly one of --text or --image");
  if (p.has("--generator") == p.has("--demo")) throw UsageError("give exactly one of --generator or --demo");
  if (p.has("--preview") && !(p.has("--demo") && p.has("--image")))
    throw UsageError("--preview needs --demo and a style --image");
  if (p.has("--lower-is-better") && !p.has("--evaluate")) throw UsageError("--lower-is-better needs --evaluate");
  api::GenerationParams o = generate_params(p);
  RunDirectory run(p.get("-o"), p.has("--replace"));  // refuses a directory of an earlier run before any work
  std::optional<StyleDemo> demo;
  std::optional<textworld::TextDemo> text_demo;
  if (p.has("--demo")) {
    const std::string dir = demo_bundle_dir(p.get("--demo"));
    if (textworld::is_text_demo(dir)) text_demo = textworld::TextDemo::load(dir);
    else demo = StyleDemo::load(dir);
  }
  if (p.has("--definition") && !text_demo) throw UsageError("--definition needs a text --demo");
  const std::string generator_dir = demo ? demo->dir + "/generator" : text_demo ? text_demo->generator_dir() : p.get("--generator");
  const std::shared_ptr<api::Generator> g = api::Generator::load(generator_dir);
  api::Condition condition = condition_of(p, *g);
  const wordnet::WordNetTask* text_task = text_demo ? text_demo->match(condition.text) : nullptr;
  if (text_demo) apply_demo_sampling(p, *text_demo, text_task, o);
  if (text_demo && p.has("--text")) condition.examples = textworld::demo_condition(condition.text, condition.examples, text_task).examples;
  watch_interrupts();
  // On CUDA: initialise the libraries and capture the graphs first, so that the generation below (and its
  // reported time) is the steady state; the warm-up is reported on its own.
  const double warm_up_seconds = g->warm_up(condition, o, api::Generator::WarmUpPaths::Callbacks);
  ProgressBar bar;
  Trajectory trajectory;
  const api::GenerationResult out = g->generate(
      condition, o,
      [&](const api::Progress& s) {
        bar.update(s.step, s.total, "t=" + std::to_string(s.timestep));
        return !interrupted();
      },
      [&](const api::Preview& s) {
        trajectory.xt.push_back(api::tensor_view(s.x_t));
        trajectory.x0.push_back(api::tensor_view(s.x0_latent));
        trajectory.timesteps.push_back(s.timestep);
        return true;
      });
  bar.finish();
  if (out.cancelled) {
    std::cerr << "cancelled; nothing written\n";
    return 130;
  }
  const std::string condition_text = p.has("--image") ? "image:" + p.get("--image") : condition.text;
  const nlohmann::json files = write_adapters(p, o, out, run, condition_text, generator_dir);
  nlohmann::json report = {{"generator", generator_dir}, {"condition", condition_text},
                           {"examples", condition.examples}, {"task", out.task}, {"count", o.count},
                           {"sampler", api::to_string(o.sampler)}, {"steps", o.steps}, {"guidance", o.guidance}, {"seed", o.seed},
                           {"seconds", out.seconds}, {"warm_up_seconds", warm_up_seconds}, {"sample_seconds", out.sample_seconds},
                           {"decode_seconds", out.decode_seconds}, {"whole_graph", out.whole_graph},
                           {"device", api::to_string(o.device)}, {"adapters", files}};
  if (p.has("--zoo")) {
    if (out.task.empty())
      std::cerr << "note: no memorisation report: the condition matches no training task (name one with --task)\n";
    else
      report["memorization"] = to_json(memorization_report(Zoo::open(p.get("--zoo")), out.task, api::tensor_view(out.parameters)));
  }
  if (p.has("--evaluate")) report["best_of_n"] = best_of_n_json(p, out, run, files);
  if (text_demo) report["text_demo"] = text_demo_answers(*text_demo, *out.adapters, text_task, p.list("--definition"));
  if (p.has("--preview")) report["previews"] = write_demo_previews(*demo, *out.adapters, p.get("--preview"), p.get("--image"), run);
  write_file_atomically(run.path("report.json"), report.dump(2) + "\n");
  if (p.has("--trajectory"))
    write_safetensors(p.get("--trajectory"),
                      {{"x_t", torch::stack(trajectory.xt)}, {"x0_pred", torch::stack(trajectory.x0)},
                       {"timesteps", torch::tensor(trajectory.timesteps, torch::kLong)}},
                      {{"condition", condition_text}, {"sampler", api::to_string(o.sampler)}});
  const int replaced = run.commit();
  print_summary(report, out, run.dir(), replaced);
  return 0;
}

}  // namespace lorastudio::cli
