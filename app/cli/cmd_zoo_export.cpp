// lora-studio-cli zoo export ZOO TASK -o OUT [--index I | --best METRIC] [--format peft|diffusers|kohya]
// Writes one checkpoint of a zoo task as an adapter file.
#include <cmath>
#include <iostream>

#include <torch/torch.h>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/formats/adapter_io.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"

namespace lorastudio::cli {

namespace {

// The row with the highest value of `metric` (NaN rows are skipped).
int64_t best_row(const Zoo& zoo, const std::string& task, const std::string& metric) {
  const auto& names = zoo.task(task).metric_names;
  const auto it = std::find(names.begin(), names.end(), metric);
  if (it == names.end()) throw UsageError("--best: task " + task + " has no metric \"" + metric + "\"");
  const torch::Tensor column = zoo.task_metrics(task).select(1, it - names.begin()).nan_to_num(-INFINITY);
  return column.argmax().item<int64_t>();
}

}  // namespace

int run_zoo_export(int argc, char** argv) {
  ArgParser p("zoo export", "Write one checkpoint of a zoo task as an adapter (PEFT by default).");
  p.positional("ZOO", "zoo directory")
      .positional("TASK", "task name")
      .option("-o", "OUT", "output adapter (a directory for PEFT and diffusers, or a .safetensors file)", "", true)
      .option("--index", "I", "checkpoint row (0-based; default: the last)")
      .option("--best", "METRIC", "the checkpoint with the highest value of this metric (e.g. score_psnr)")
      .option("--format", "FORMAT", "peft, diffusers or kohya", "peft");
  if (!p.parse(argc, argv)) return 0;
  if (p.has("--index") && p.has("--best")) throw UsageError("--index and --best exclude each other");
  const Zoo zoo = Zoo::open(p.get("ZOO"));
  const std::string task = p.get("TASK");
  if (!zoo.has_task(task)) throw UsageError("zoo " + p.get("ZOO") + " has no task \"" + task + "\"");
  const int64_t n = zoo.count(task);
  const int64_t row = p.has("--best") ? best_row(zoo, task, p.get("--best"))
                      : p.has("--index") ? p.get_int("--index", 0, n - 1)
                                         : n - 1;
  LoraAdapter adapter = zoo.layout().unflatten(zoo.task_params(task)[row]);
  adapter.provenance["zoo"] = p.get("ZOO");
  adapter.provenance["task"] = task;
  adapter.provenance["checkpoint"] = std::to_string(row);
  const auto format = parse_format_name(p.get("--format"));
  if (!format) throw UsageError("--format: expected peft, diffusers or kohya, got \"" + p.get("--format") + "\"");
  const SaveResult r = save_adapter(adapter, *format, p.get("-o"));
  std::cout << "wrote " << task << " checkpoint " << row << " of " << n << " to " << r.weights_path << "\n";
  return 0;
}

}  // namespace lorastudio::cli
