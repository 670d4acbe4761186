// lora-studio-cli memorization --zoo ZOO [--task T] ADAPTER | TASK=ADAPTER ... [--json FILE]
// The engine's memorisation report for adapters made elsewhere (another tool's generated adapters, say).
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/generator/memorization_report.h"
#include "core/util/atomic_file.h"
#include "core/zoo/zoo.h"

namespace lorastudio::cli {
namespace {

struct Request {
  std::string task, path;
};

std::vector<Request> requests(const ArgParser& p, const Zoo& zoo) {
  std::vector<Request> out;
  for (const auto& item : p.list("ADAPTER")) {
    const auto eq = item.find('=');
    Request r{eq == std::string::npos ? p.get("--task") : item.substr(0, eq), eq == std::string::npos ? item : item.substr(eq + 1)};
    if (r.task.empty()) throw UsageError("no task for " + item + ": give --task NAME or write TASK=" + item);
    if (!zoo.has_task(r.task)) throw UsageError("the zoo has no task \"" + r.task + "\" (for " + r.path + ")");
    out.push_back(std::move(r));
  }
  return out;
}

void print_scales(const MemorizationReport& r) {
  const TaskSpread& w = r.scales.within;
  std::cout << "task " << r.task << ": " << w.count << " checkpoint" << (w.count == 1 ? "" : "s");
  if (w.defined()) std::cout << ", within-task spread (median nearest other) " << format_double(w.median, 4);
  if (!r.scales.nearest_other_task.empty())
    std::cout << ", distance to the nearest other task (" << r.scales.nearest_other_task << ") " << format_double(r.scales.between_task, 4);
  std::cout << "\n  noise baselines (" << r.scales.noise_spread << "):";
  for (const auto& b : r.scales.noise) std::cout << " " << format_double(100 * b.level, 2) << "% → " << format_double(b.distance, 4);
  std::cout << "\n  copies judged by the " << copy_scale_name(r.copy_scale) << "\n";
}

}  // namespace

int run_memorization(int argc, char** argv) {
  ArgParser p("memorization",
              "The memorisation report for existing adapters against a zoo: each adapter's nearest checkpoint of its\n"
              "task and of any task, its distance relative to that checkpoint, to the within-task spread, to the\n"
              "distance between tasks and to noise baselines (a checkpoint plus 1-10% noise), and a copy verdict that\n"
              "names the scale it rests on. Adapters must have the zoo's layout.");
  p.option("--zoo", "ZOO", "zoo directory", "", true)
      .option("--task", "NAME", "the task the adapters were generated for (or write TASK=ADAPTER)")
      .option("--space", "delta_w|flat", "measure distances between the adapters' ΔW or their flat parameters", "delta_w")
      .option("--json", "FILE", "also write the reports as JSON")
      .positional("ADAPTER", "adapter path, or TASK=PATH", true, 1);
  if (!p.parse(argc, argv)) return 0;
  const ReportSpace space = parse_report_space(p.get_choice("--space", {"delta_w", "flat"}));
  const Zoo zoo = Zoo::open(p.get("--zoo"));
  std::cout << "distances between " << (space == ReportSpace::DeltaW ? "the adapters' ΔW" : "flat parameter vectors") << "\n";
  std::map<std::string, std::vector<std::string>> by_task;
  for (const auto& r : requests(p, zoo)) by_task[r.task].push_back(r.path);
  nlohmann::json all = nlohmann::json::array();
  int64_t copies = 0, foreign = 0, total = 0;
  for (const auto& [task, paths] : by_task) {
    std::vector<torch::Tensor> rows;
    for (const auto& path : paths) rows.push_back(zoo.layout().flatten(load_adapter_for_cli(path, 0, true).adapter, path));
    const MemorizationReport r = memorization_report(zoo, task, torch::stack(rows), true, space);
    print_scales(r);
    for (size_t i = 0; i < paths.size(); ++i) std::cout << "  " << paths[i] << ": " << r.candidates[i].verdict << "\n";
    nlohmann::json j = to_json(r);
    j["adapters"] = paths;
    all.push_back(std::move(j));
    copies += r.copies;
    total += static_cast<int64_t>(paths.size());
    for (const auto& c : r.candidates) foreign += c.nearest_task != task;
  }
  std::cout << "\n" << total << " adapters: " << copies << " copies, " << foreign << " nearest to another task's checkpoint\n";
  if (p.has("--json")) write_file_atomically(p.get("--json"), all.dump(2) + "\n");
  return 0;
}

}  // namespace lorastudio::cli
