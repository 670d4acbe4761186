// lora-studio-cli compare A B [--json]
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/math/lora_stats.h"

namespace lorastudio::cli {

int run_compare(int argc, char** argv) {
  ArgParser p("compare", "Per-module cosine similarity and distance of ΔW between two adapters of the same layout.\n"
                         "relative distance = sqrt(Σ ||ΔW_A − ΔW_B||²) / sqrt(Σ ||ΔW_B||²) (B is the reference).");
  p.positional("A", "adapter").positional("B", "reference adapter").flag("--json", "print JSON").flag(
      "--modules", "list every module (text output)");
  if (!p.parse(argc, argv)) return 0;
  LoadedAdapter a = load_adapter_for_cli(p.get("A"), 0, p.has("--json"));
  LoadedAdapter b = load_adapter_for_cli(p.get("B"), 0, p.has("--json"));
  const AdapterComparison c = compare_adapters(a.adapter, b.adapter);
  if (p.has("--json")) {
    nlohmann::json j;
    j["a"] = p.get("A");
    j["b"] = p.get("B");
    j["mean_cosine"] = c.mean_cosine;
    j["relative_distance"] = c.relative_distance;
    nlohmann::json mods = nlohmann::json::array();
    for (const auto& m : c.modules)
      mods.push_back({{"module", m.module}, {"cosine", m.cosine}, {"norm_a", m.norm_a}, {"norm_b", m.norm_b},
                      {"distance", m.distance}});
    j["modules"] = mods;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  double min_cos = 1, max_cos = -1;
  for (const auto& m : c.modules) {
    min_cos = std::min(min_cos, m.cosine);
    max_cos = std::max(max_cos, m.cosine);
  }
  std::cout << "A: " << p.get("A") << "\nB: " << p.get("B") << "\n"
            << "  modules:            " << c.modules.size() << "\n"
            << "  mean cosine:        " << format_double(c.mean_cosine, 5) << " (min " << format_double(min_cos, 4)
            << ", max " << format_double(max_cos, 4) << ")\n"
            << "  relative distance:  " << format_double(100.0 * c.relative_distance, 4) << " %\n";
  if (p.has("--modules")) {
    std::cout << "\n  " << pad_right("module", 48) << pad_right("cosine", 12) << pad_right("||ΔW_A||", 12)
              << pad_right("||ΔW_B||", 12) << "distance\n";
    for (const auto& m : c.modules)
      std::cout << "  " << pad_right(m.module, 48) << pad_right(format_double(m.cosine, 5), 12)
                << pad_right(format_double(m.norm_a, 5), 12) << pad_right(format_double(m.norm_b, 5), 12)
                << format_double(m.distance, 5) << "\n";
  }
  return 0;
}

}  // namespace lorastudio::cli
