// lora-studio-cli harvest-glue --model DIR --data GLUE -o OUT [--tasks …] [--steps N --keep N --rank R …]
// LoRA fine-tuning of a BERT-family classifier on each GLUE task, the last N checkpoints of each written as a zoo
// task (Cond P-Diff's Table 1 data). Resumable: tasks already in the zoo are skipped.
#include <algorithm>
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/glue/glue_zoo.h"

namespace lorastudio::cli {
namespace {

glue::GlueZooPlan plan_from(const ArgParser& p) {
  glue::GlueZooPlan plan;
  plan.out_dir = p.get("-o");
  plan.model_dir = p.get("--model");
  plan.data_dir = p.get("--data");
  for (const auto& name : split_commas(p.get("--tasks"))) plan.tasks.push_back(glue::glue_task_from_string(name));
  if (plan.tasks.empty()) throw UsageError("--tasks: name at least one GLUE task");
  glue::GlueFinetuneOptions& t = plan.tuning;
  t.steps = p.get_int("--steps", 1, 10000000);
  t.keep_last = p.get_int("--keep", 1, t.steps);
  t.batch = p.get_int("--batch", 1, 4096);
  t.lr = p.get_double("--lr", 1e-8, 1.0);
  t.head_lr = p.has("--head-lr") ? p.get_double("--head-lr", 1e-8, 1.0) : t.lr;
  t.warmup = std::min<long long>(p.get_int("--warmup", 0, LLONG_MAX), t.steps);
  t.rank = p.get_int("--rank", 1, 512);
  t.alpha = p.get_double("--alpha", 1e-6, 1e6);
  t.targets = split_commas(p.get("--targets"));
  t.head_modules = split_commas(p.get("--head"));
  t.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  t.init_seed = t.seed;
  t.score_dev = !p.has("--no-dev-scores");
  plan.max_length = p.get_int("--max-length", 4, 512);
  plan.train_limit = p.get_int("--train-limit", 0, LLONG_MAX);
  plan.dev_limit = p.get_int("--dev-limit", 0, LLONG_MAX);
  plan.sample_rows = p.get_int("--sample", 1, LLONG_MAX);
  return plan;
}

}  // namespace

int run_harvest_glue(int argc, char** argv) {
  ArgParser p("harvest-glue",
              "LoRA fine-tuning of a BERT-family classifier on GLUE tasks with checkpoint harvesting (Cond P-Diff's\n"
              "Table 1 data): per task the adapters of the last N steps, scored on a training sample and on dev, as a\n"
              "zoo in OUT/zoo, the task's head in OUT/heads/. Tasks already harvested are skipped (resumable).");
  p.option("--model", "DIR", "a BERT or RoBERTa Hugging Face folder with its vocabulary", "", true)
      .option("--data", "GLUE", "the GLUE folder (SST-2/train.tsv, SST-2/dev.tsv, …)", "", true)
      .option("-o", "OUT", "output directory", "", true)
      .option("--tasks", "A,B,...", "GLUE tasks", "SST-2,MRPC,RTE,CoLA")
      .option("--steps", "N", "fine-tuning steps per task", "600")
      .option("--keep", "N", "checkpoints kept: the last N steps (the head is frozen for them)", "50")
      .option("--batch", "N", "examples per step", "32")
      .option("--lr", "LR", "AdamW learning rate of the LoRA factors", "0.002")
      .option("--head-lr", "LR", "learning rate of the classification head (default: --lr)")
      .option("--warmup", "N", "linear warm-up steps", "30")
      .option("--rank", "R", "LoRA rank", "4")
      .option("--alpha", "A", "LoRA alpha (scale alpha/rank)", "8")
      .option("--targets", "A,B,...", "module names given a LoRA", "query,value")
      .option("--head", "A,B,...", "modules trained in full, frozen for the kept steps (drop bert.pooler to keep a\n"
                                   "pretrained pooler)", "classifier,bert.pooler")
      .option("--max-length", "N", "tokens per example", "128")
      .option("--train-limit", "N", "use the first N training examples only (0: all)", "0")
      .option("--dev-limit", "N", "use the first N dev examples only (0: all)", "0")
      .option("--sample", "N", "training-split sample that scores each checkpoint", "256")
      .option("--seed", "SEED", "random seed", "0")
      .flag("--no-dev-scores", "do not score every checkpoint on dev (faster)");
  if (!p.parse(argc, argv)) return 0;
  const glue::GlueZooPlan plan = plan_from(p);
  watch_interrupts();
  ProgressBar bar;
  std::string current;
  const glue::GlueZooSummary s = glue::harvest_glue_zoo(plan, [&](const glue::GlueZooEvent& e) {
    if (e.task != current && !current.empty()) bar.finish();
    current = e.task;
    bar.update(e.step, e.steps, "task " + std::to_string(e.index + 1) + "/" + std::to_string(e.total) + " " + e.task +
                                    "  loss " + format_double(e.loss, 4));
    return !interrupted();
  });
  if (!current.empty()) bar.finish();
  for (const auto& name : s.harvested)
    std::cout << "  " << pad_right(name, 8) << "head only " << format_double(100 * s.head_only_dev.at(name), 3)
              << "   best checkpoint " << format_double(100 * s.best_dev.at(name), 3) << "  (dev, main metric ×100)\n";
  std::cout << s.harvested.size() << " tasks harvested, " << s.skipped.size() << " already there; zoo in "
            << glue::glue_zoo_dir(plan.out_dir) << "\n";
  if (s.cancelled) {
    std::cerr << "cancelled; run the same command again to go on\n";
    return 130;
  }
  return 0;
}

}  // namespace lorastudio::cli
