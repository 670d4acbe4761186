// lora-studio-cli inspect PATH [--json] [--modules]
#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/math/lora_stats.h"

namespace lorastudio::cli {
namespace {

template <typename T>
std::string summarize_values(const std::set<T>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + format_double(static_cast<double>(v), 6);
  return values.size() == 1 ? s + " (all modules)" : s;
}

nlohmann::json to_json(const LoadedAdapter& loaded, const std::vector<ModuleStats>& stats, double total_norm) {
  const LoraAdapter& a = loaded.adapter;
  nlohmann::json j;
  j["path"] = loaded.weights_path;
  j["format"] = format_name(loaded.format);
  j["module_count"] = a.modules.size();
  j["parameter_count"] = a.parameter_count();
  int64_t saved = 0;
  for (const auto& [n, t] : a.saved_modules) saved += t.numel();
  j["saved_module_parameters"] = saved;
  j["use_rslora"] = a.use_rslora;
  j["fan_in_fan_out"] = a.fan_in_fan_out;
  j["dora"] = std::any_of(a.modules.begin(), a.modules.end(), [](auto& m) { return m.is_dora(); });
  j["base_model"] = a.base_model;
  j["task_type"] = a.task_type;
  j["target_modules"] = a.target_modules;
  j["provenance"] = a.provenance;
  j["notes"] = loaded.notes;
  j["delta_norm_total"] = total_norm;
  std::set<int64_t> ranks;
  std::set<double> alphas;
  for (const auto& m : a.modules) {
    ranks.insert(m.rank());
    alphas.insert(m.alpha);
  }
  j["ranks"] = ranks;
  j["alphas"] = alphas;
  nlohmann::json mods = nlohmann::json::array();
  for (size_t i = 0; i < a.modules.size(); ++i) {
    const auto& m = a.modules[i];
    const auto& s = stats[i];
    mods.push_back({{"module", m.path},
                    {"component", m.component},
                    {"rank", m.rank()},
                    {"alpha", m.alpha},
                    {"scale", s.scale},
                    {"in_features", m.in_features()},
                    {"out_features", m.out_features()},
                    {"kernel", m.kernel_size},
                    {"dtype", std::string(c10::toString(m.A.scalar_type()))},
                    {"delta_norm", s.frobenius},
                    {"norm_A", s.norm_A},
                    {"norm_B", s.norm_B},
                    {"singular_values", s.singular_values},
                    {"effective_rank", s.effective_rank}});
  }
  j["modules"] = mods;
  return j;
}

}  // namespace

int run_inspect(int argc, char** argv) {
  ArgParser p("inspect", "Show an adapter's format, modules, ranks, alphas, parameter count and ΔW norms.\n"
                         "PATH is a PEFT directory, a diffusers directory or file, or a kohya .safetensors file.");
  p.positional("PATH", "adapter directory or .safetensors file")
      .flag("--json", "print JSON instead of text")
      .flag("--modules", "list every module (text output)")
      .option("--alpha", "A", "use this alpha for every module (for files that store none)")
      .option("--top-k", "K", "singular values reported per module", "4");
  if (!p.parse(argc, argv)) return 0;
  const double alpha = p.has("--alpha") ? p.get_double("--alpha", 1e-12, 1e12) : 0;
  LoadedAdapter loaded = load_adapter_for_cli(p.get("PATH"), alpha, p.has("--json"));
  const LoraAdapter& a = loaded.adapter;
  const auto stats = adapter_stats(a, static_cast<int>(p.get_int("--top-k", 0, 4096)));
  double sq = 0, min_norm = INFINITY, max_norm = 0;
  for (const auto& s : stats) {
    sq += s.frobenius * s.frobenius;
    min_norm = std::min(min_norm, s.frobenius);
    max_norm = std::max(max_norm, s.frobenius);
  }
  const double total = std::sqrt(sq);
  if (p.has("--json")) {
    std::cout << to_json(loaded, stats, total).dump(2) << "\n";
    return 0;
  }
  std::set<int64_t> ranks;
  std::set<double> alphas;
  std::set<std::string> components;
  for (const auto& m : a.modules) {
    ranks.insert(m.rank());
    alphas.insert(m.alpha);
    components.insert(m.component.empty() ? "(model)" : m.component);
  }
  int64_t saved = 0;
  for (const auto& [n, t] : a.saved_modules) saved += t.numel();
  std::cout << p.get("PATH") << "\n"
            << "  format:        " << format_name(loaded.format) << " (" << loaded.weights_path << ")\n"
            << "  components:    ";
  for (const auto& c : components) std::cout << c << " ";
  std::cout << "\n  modules:       " << a.modules.size() << "\n"
            << "  ranks:         " << summarize_values(ranks) << "\n"
            << "  alphas:        " << summarize_values(alphas) << "\n"
            << "  rsLoRA:        " << (a.use_rslora ? "yes" : "no") << "   fan_in_fan_out: "
            << (a.fan_in_fan_out ? "yes" : "no") << "   DoRA: "
            << (std::any_of(a.modules.begin(), a.modules.end(), [](auto& m) { return m.is_dora(); }) ? "yes" : "no")
            << "\n"
            << "  parameters:    " << format_count(a.parameter_count()) << " (LoRA)";
  if (saved) std::cout << " + " << format_count(saved) << " in modules_to_save (" << a.saved_modules.size() << " tensors)";
  std::cout << "\n  ||ΔW|| total:  " << format_double(total, 6) << "  (per module min " << format_double(min_norm, 4)
            << ", max " << format_double(max_norm, 4) << ")\n";
  if (!a.base_model.empty()) std::cout << "  base model:    " << a.base_model << "\n";
  if (!a.task_type.empty()) std::cout << "  task type:     " << a.task_type << "\n";
  for (const auto& [k, v] : a.provenance) std::cout << "  " << pad_right(k + ":", 15) << v << "\n";
  for (const auto& n : loaded.notes) std::cout << "  note: " << n << "\n";
  if (p.has("--modules")) {
    std::cout << "\n  " << pad_right("module", 48) << pad_right("rank", 6) << pad_right("alpha", 8)
              << pad_right("out x in (x k)", 15) << pad_right("||ΔW||", 12) << pad_right("σ1", 12) << "eff.rank\n";
    for (size_t i = 0; i < a.modules.size(); ++i) {
      const auto& m = a.modules[i];
      const auto& s = stats[i];
      std::cout << "  " << pad_right(module_key(m), 48) << pad_right(std::to_string(m.rank()), 6)
                << pad_right(format_double(m.alpha, 4), 8)
                << pad_right(m.shape_text(), 15)
                << pad_right(format_double(s.frobenius, 5), 12)
                << pad_right(s.singular_values.empty() ? "-" : format_double(s.singular_values[0], 5), 12)
                << format_double(s.effective_rank, 3) << "\n";
    }
  }
  return 0;
}

}  // namespace lorastudio::cli
