// lora-studio-cli evaluate-text --harvest DIR --generator GEN -o OUT [--model DIR] [--samples N] [--guidance G]
//                                [--unseen-guidance G] [--tasks a,b] ...
// The text world's Table 1 (Cond P-Diff's form) from a harvest (the text recipe's CACHE/harvest) and a trained
// generator: printed as Markdown and saved as OUT/evaluation.json and OUT/evaluation.md. The recipe's evaluation
// stage runs the same evaluation (core/textworld/text_evaluation.h).
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "app/cli/sampling_options.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/textworld/text_evaluation.h"

namespace lorastudio::cli {

int run_evaluate_text(int argc, char** argv) {
  ArgParser p("evaluate-text",
              "Evaluate a text-world generator in the form of Cond P-Diff's Table 1 on every task's test split:\n"
              "in distribution base, best original checkpoint, ΔW soup, generated (best of N by the training sample,\n"
              "and the mean); held out base, the nearest description's LoRA, the all-task soup, generated, the oracle;\n"
              "controls with a shuffled description and a paraphrase never used in training.");
  p.option("--harvest", "DIR", "the harvest directory (the text recipe's CACHE/harvest: tasks.json, zoo/, held_out_zoo/)", "", true)
      .option("--generator", "GEN", "the trained generator directory", "", true)
      .option("-o", "OUT", "output directory for evaluation.json and evaluation.md", "", true)
      .option("--model", "DIR", "the yes/no base model (default: the one the harvest names)")
      .option("--unseen-guidance", "G", "guidance for the held-out tasks' descriptions (default: --guidance)")
      .option("--tasks", "A,B,...", "only these tasks")
      .option("--memorization-tasks", "N", "the full memorisation report for this many in-distribution tasks", "12")
      .option("--device", "DEVICE", "where the base model runs (cpu, cuda)", "cpu");
  add_sampling_options(p, "task");
  if (!p.parse(argc, argv)) return 0;
  textworld::TextEvaluationOptions o;
  o.generate = sampling_options_from(p, o.samples);
  if (p.has("--unseen-guidance")) o.unseen_guidance = p.get_double("--unseen-guidance", 0.0, kMaxGuidance);
  if (p.has("--tasks")) o.tasks = split_commas(p.get("--tasks"));
  o.memorization_tasks = p.get_int("--memorization-tasks", 0, 100000);
  o.device = p.get_choice("--device", {"cpu", "cuda"});
  ConditionalGenerator generator = ConditionalGenerator::load(p.get("--generator"));
  watch_interrupts();
  ProgressBar bar;
  const textworld::TextEvaluation ev = textworld::evaluate_text_world(
      p.get("--harvest"), generator, o, p.has("--model") ? p.get("--model") : std::string(),
      [&](int i, int n, const std::string& task) {
        bar.update(i, n, task);
        return !interrupted();
      });
  bar.finish();
  return write_evaluation_report(p.get("-o"), ev.to_json(), ev.to_markdown(), ev.cancelled, "tasks");
}

}  // namespace lorastudio::cli
