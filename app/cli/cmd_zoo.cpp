// lora-studio-cli zoo import PATHS... -o ZOO --task NAME (--condition-text T [--example E]... | --condition-image IMG...)
//                                      [--balance-a A --balance-b B]
// lora-studio-cli zoo info ZOO [--json]
// lora-studio-cli zoo export ZOO TASK -o OUT (cmd_zoo_export.cpp)
#include <cmath>
#include <cstring>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/zoo/zoo.h"
#include "core/zoo/zoo_import.h"

namespace lorastudio::cli {
namespace {

std::string describe_condition(const TaskCondition& c) {
  std::string s;
  if (!c.text.empty()) s = "\"" + c.text + "\"";
  if (!c.examples.empty()) s += " + " + std::to_string(c.examples.size()) + " example" + (c.examples.size() > 1 ? "s" : "");
  for (const auto& im : c.images) s += (s.empty() ? "images: " : ", ") + im.file;
  return s.empty() ? "(none)" : s;
}

nlohmann::json stats_json(const TaskParameterStats& s) {
  return {{"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}, {"mean_row_norm", s.mean_row_norm}};
}

// Mean of each metric column over the checkpoints that have a value (NaN = not measured).
std::vector<double> metric_means(const Zoo& zoo, const std::string& task) {
  std::vector<double> means;
  const torch::Tensor m = zoo.task_metrics(task);
  if (!m.defined()) return means;
  for (int64_t j = 0; j < m.size(1); ++j) {
    const torch::Tensor col = m.select(1, j).to(torch::kDouble);
    const torch::Tensor valid = ~torch::isnan(col);
    const int64_t n = valid.sum().item<int64_t>();
    means.push_back(n ? col.masked_select(valid).sum().item<double>() / n : std::nan(""));
  }
  return means;
}

int run_zoo_import(int argc, char** argv) {
  ArgParser p("zoo import",
              "Add LoRA checkpoints to a task of a zoo (created if ZOO holds none; an existing task gets them appended).\n"
              "Each PATH is an adapter (PEFT directory, diffusers directory or file, kohya .safetensors) or a directory\n"
              "whose subdirectories / .safetensors files are adapters (taken in natural order). All checkpoints must\n"
              "share one layout. A new task needs a condition: --condition-text (with optional --example) or\n"
              "--condition-image (repeat for several images; copies are stored in the zoo).");
  p.positional("PATHS", "adapters or directories of adapters", /*repeated=*/true, 1)
      .option("-o", "ZOO", "zoo directory", "", true)
      .option("--task", "NAME", "task name (letters, digits, '.', '_', '-')", "", true)
      .option("--condition-text", "TEXT", "the task's text description")
      .repeated_option("--example", "TEXT", "a few-shot example of the task (repeatable; needs --condition-text)")
      .repeated_option("--condition-image", "IMG", "a style image of the task (repeatable)")
      .option("--balance-a", "S", "store A multiplied by S (a new zoo; Cond P-Diff PixArt: 0.2)")
      .option("--balance-b", "S", "store B multiplied by S (a new zoo; Cond P-Diff PixArt: 200)");
  if (!p.parse(argc, argv)) return 0;

  ZooImportOptions options;
  options.task = p.get("--task");
  if (const std::string problem = task_name_problem(options.task); !problem.empty()) throw UsageError(problem);
  const bool has_text = p.has("--condition-text"), has_images = p.has("--condition-image");
  if (has_text && has_images) throw UsageError("give --condition-text or --condition-image, not both");
  if (p.has("--example") && !has_text) throw UsageError("--example needs --condition-text");
  if (has_text) options.condition = TaskCondition::from_text(p.get("--condition-text"), p.list("--example"));
  if (has_images) options.condition = TaskCondition::from_images(p.list("--condition-image"));
  if (p.has("--balance-a") || p.has("--balance-b")) {
    BalanceOptions b;
    if (p.has("--balance-a")) b.scale_A = p.get_double("--balance-a", -1e12, 1e12);
    if (p.has("--balance-b")) b.scale_B = p.get_double("--balance-b", -1e12, 1e12);
    if (!std::isfinite(b.scale_A) || !std::isfinite(b.scale_B) || b.scale_A == 0 || b.scale_B == 0)
      throw UsageError("--balance-a / --balance-b must be finite and non-zero");
    options.balance = b;
  }
  const std::string zoo_dir = p.get("-o");
  const bool task_exists = Zoo::exists(zoo_dir) && Zoo::open(zoo_dir).has_task(options.task);
  if (!task_exists && options.condition.empty())
    throw UsageError("the new task '" + options.task + "' needs --condition-text or --condition-image");

  ProgressBar bar;
  watch_interrupts();
  ZooImportResult r;
  try {
    r = import_into_zoo(zoo_dir, p.list("PATHS"), options, [&](int done, int total) {
      bar.update(done, total);
      return !interrupted();
    });
  } catch (...) {
    bar.finish();  // how far it got, before the error
    throw;
  }
  bar.finish();
  if (r.cancelled) {
    std::cerr << "cancelled: nothing was written\n";
    return 130;
  }
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  std::cout << "added " << r.added << " checkpoint" << (r.added == 1 ? "" : "s") << " to "
            << (r.created_task ? "new task '" : "task '") << options.task << "' (now " << r.task_count << ") in "
            << (r.created_zoo ? "new zoo " : "zoo ") << zoo_dir << "; D = " << format_count(r.dim) << "\n";
  return 0;
}

int run_zoo_info(int argc, char** argv) {
  ArgParser p("zoo info", "Show a zoo's tasks, checkpoints per task, D, layout, conditions and parameter statistics.");
  p.positional("ZOO", "zoo directory").flag("--json", "print JSON instead of text");
  if (!p.parse(argc, argv)) return 0;
  const Zoo zoo = Zoo::open(p.get("ZOO"));
  if (p.has("--json")) {
    nlohmann::json j = zoo.summary();
    for (auto& t : j["tasks"]) {
      const std::string name = t["name"].get<std::string>();
      t["stats"] = stats_json(zoo.parameter_stats(name));
      t["metric_means"] = metric_means(zoo, name);
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << zoo.dir() << "\n"
            << "  tasks:        " << zoo.tasks().size() << " (" << zoo.checkpoint_count() << " checkpoints)\n"
            << "  D:            " << format_count(zoo.dim()) << " parameters per checkpoint\n";
  if (zoo.has_layout()) {
    const nlohmann::json s = zoo.layout().summary_json();
    std::cout << "  layout:       " << s["modules"].get<size_t>() << " modules, ranks " << s["ranks"].dump() << ", alphas "
              << s["alphas"].dump() << ", components " << s["components"].dump() << "\n"
              << "  flags:        rsLoRA " << (zoo.layout().use_rslora() ? "yes" : "no") << ", fan_in_fan_out "
              << (zoo.layout().fan_in_fan_out() ? "yes" : "no") << ", DoRA " << (s["dora"].get<bool>() ? "yes" : "no")
              << "\n";
  }
  std::cout << "  balance:      A x" << format_double(zoo.balance().scale_A, 6) << ", B x"
            << format_double(zoo.balance().scale_B, 6) << "\n";
  for (const auto& name : zoo.tasks()) {
    const ZooTaskEntry& t = zoo.task(name);
    const TaskParameterStats s = zoo.parameter_stats(name);
    std::cout << "\n  " << name << "  (" << t.count << " checkpoint" << (t.count == 1 ? "" : "s") << ")\n"
              << "    condition:  " << describe_condition(t.condition) << "\n"
              << "    params:     mean " << format_double(s.mean) << "  std " << format_double(s.std) << "  min "
              << format_double(s.min) << "  max " << format_double(s.max) << "  mean ||row|| "
              << format_double(s.mean_row_norm) << "\n";
    if (!t.metric_names.empty()) {
      const auto means = metric_means(zoo, name);
      std::cout << "    metrics:    ";
      for (size_t j = 0; j < t.metric_names.size(); ++j)
        std::cout << (j ? ", " : "") << t.metric_names[j] << " (mean " << format_double(means[j]) << ")";
      std::cout << "\n";
    }
  }
  for (const auto& w : zoo.warnings()) std::cerr << "warning: " << w << "\n";
  return 0;
}

void print_zoo_help() {
  std::cout << "Usage: lora-studio-cli zoo SUBCOMMAND [ARGS...]\n\n"
               "Build and inspect LoRA zoos: tasks with a condition and N checkpoints of one layout, stored as\n"
               "flat [N, D] float32 parameter tables (the training data of a conditional parameter generator).\n\n"
               "Subcommands:\n"
               "  import        add adapters to a task of a zoo (creating the zoo or the task)\n"
               "  info          show a zoo's tasks, counts, D, layout, conditions and parameter statistics\n"
               "  export        write one checkpoint of a task as an adapter file\n"
               "  synthetic     build a synthetic conditional zoo (text conditions) to try training on\n\n"
               "Run 'lora-studio-cli zoo SUBCOMMAND --help' for its options.\n";
}

}  // namespace

int run_zoo(int argc, char** argv) {
  if (argc < 1 || !std::strcmp(argv[0], "--help") || !std::strcmp(argv[0], "-h")) {
    print_zoo_help();
    return argc < 1 ? 2 : 0;
  }
  if (!std::strcmp(argv[0], "import")) return run_zoo_import(argc - 1, argv + 1);
  if (!std::strcmp(argv[0], "info")) return run_zoo_info(argc - 1, argv + 1);
  if (!std::strcmp(argv[0], "export")) return run_zoo_export(argc - 1, argv + 1);
  if (!std::strcmp(argv[0], "synthetic")) return run_zoo_synthetic(argc - 1, argv + 1);
  throw UsageError(std::string("unknown zoo subcommand '") + argv[0] + "' (import, info, export, synthetic)");
}

}  // namespace lorastudio::cli
