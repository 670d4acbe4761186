// lora-studio-cli evaluate-glue --harvest OUT --generator GEN -o RESULT [--samples N] [--tasks …]
// Cond P-Diff's Table 1 on the GLUE pipeline: head only, the best original checkpoint, the ΔW soup, generated
// adapters (best of N by the training sample, and the mean) and a wrong-condition control, on each task's dev split;
// printed as Markdown and saved as RESULT/evaluation.json and RESULT/evaluation.md.
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "app/cli/sampling_options.h"
#include "core/glue/glue_evaluation.h"

namespace lorastudio::cli {

int run_evaluate_glue(int argc, char** argv) {
  ArgParser p("evaluate-glue",
              "Evaluate a generator trained on a GLUE zoo in the form of Cond P-Diff's Table 1 on each task's dev split:\n"
              "head only (no LoRA), the best original checkpoint, the ΔW soup, generated adapters (best of N by the\n"
              "training sample, and their mean) and a wrong-condition control.");
  p.option("--harvest", "OUT", "harvest-glue's output directory", "", true)
      .option("--generator", "GEN", "the generator trained on OUT/zoo", "", true)
      .option("-o", "RESULT", "output directory for evaluation.json and evaluation.md", "", true)
      .option("--model", "DIR", "the classifier folder (default: the one harvest-glue used)")
      .option("--data", "GLUE", "the GLUE folder (default: the one harvest-glue used)")
      .option("--tasks", "A,B,...", "only these tasks");
  add_sampling_options(p, "task");
  if (!p.parse(argc, argv)) return 0;
  glue::GlueEvaluationOptions o;
  o.generate = sampling_options_from(p, o.samples);
  if (p.has("--tasks"))
    for (const auto& n : split_commas(p.get("--tasks"))) o.tasks.push_back(glue::glue_task_from_string(n));
  ConditionalGenerator generator = ConditionalGenerator::load(p.get("--generator"));
  watch_interrupts();
  ProgressBar bar;
  const glue::GlueEvaluation ev = glue::evaluate_glue(p.get("--harvest"), generator, o, p.has("--model") ? p.get("--model") : "",
                                                      p.has("--data") ? p.get("--data") : "", [&](int i, int n, const std::string& t) {
    bar.update(i, n, t);
    return !interrupted();
  });
  if (!ev.cancelled) bar.update(static_cast<long long>(ev.tasks.size()), static_cast<long long>(ev.tasks.size()), "done");
  bar.finish();
  return write_evaluation_report(p.get("-o"), ev.to_json(), ev.to_markdown(), ev.cancelled, "tasks");
}

}  // namespace lorastudio::cli
