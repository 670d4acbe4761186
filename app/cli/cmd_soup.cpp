// lora-studio-cli soup A B C... -o OUT [--rank r]
#include <iostream>
#include <cmath>
#include <sstream>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/math/lora_mixing.h"

namespace lorastudio::cli {
namespace {

std::vector<double> parse_weights(const std::string& text, size_t count) {
  std::vector<double> w;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end) throw UsageError("--weights: '" + item + "' is not a number");
    if (!std::isfinite(v) || std::abs(v) > 1e6) throw UsageError("--weights: '" + item + "' is not a finite weight (|w| <= 1e6)");
    w.push_back(v);
  }
  if (w.size() != count)
    throw UsageError("--weights has " + std::to_string(w.size()) + " values for " + std::to_string(count) + " adapters");
  return w;
}

}  // namespace

int run_soup(int argc, char** argv) {
  ArgParser p("soup",
              "Average adapters in ΔW space (the mean of scale·B·A per module), compressed back to rank r by\n"
              "truncated SVD; the compression error is reported per module and in total.\n"
              "--factor-average instead averages the A and B factors separately: that is NOT a ΔW average\n"
              "(mean(B)·mean(A) ≠ mean(B·A)), offered only for comparison with papers that call it a soup.");
  p.positional("ADAPTERS", "two or more adapters with the same layout", true, 2)
      .option("-o", "OUT", "output adapter", "", true)
      .option("--rank", "R", "rank of the result (default: the first adapter's rank; 0 = exact, rank Σr)")
      .option("--weights", "W1,W2,...", "weights of the average (default: uniform)")
      .option("--format", "FORMAT", "output format (default: the first adapter's format)")
      .option("--component", "NAME", "pipeline component for diffusers/kohya output")
      .flag("--factor-average", "average A and B separately (not a ΔW average)")
      .flag("--json", "print the error report as JSON");
  if (!p.parse(argc, argv)) return 0;
  const auto& paths = p.list("ADAPTERS");
  std::vector<LoadedAdapter> loaded;
  for (const auto& path : paths) loaded.push_back(load_adapter_for_cli(path));
  std::vector<const LoraAdapter*> ptrs;
  for (const auto& l : loaded) ptrs.push_back(&l.adapter);
  LoraAdapter out;
  SoupResult soup;
  const bool factor = p.has("--factor-average");
  if (factor) {
    if (p.has("--weights") || p.has("--rank")) throw UsageError("--factor-average takes neither --weights nor --rank");
    out = factor_average(ptrs);
    std::cerr << "warning: --factor-average averages A and B separately; the result is not the mean of ΔW\n";
  } else {
    const int64_t rank = p.has("--rank") ? p.get_int("--rank", 1, 65536) : loaded.front().adapter.modules.front().rank();
    const std::vector<double> weights = p.has("--weights") ? parse_weights(p.get("--weights"), paths.size())
                                                           : std::vector<double>{};
    soup = delta_soup(ptrs, rank, weights);
    out = soup.adapter;
  }
  out.provenance["operation"] = factor ? "factor-average" : "delta-soup";
  std::string sources;
  for (const auto& s : paths) sources += (sources.empty() ? "" : " | ") + s;
  out.provenance["sources"] = sources;
  SaveOptions options;
  options.component = p.get("--component");
  SaveResult r = save_adapter(out, output_format(p.get("--format"), loaded.front().format), p.get("-o"), options);
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  if (p.has("--json")) {
    nlohmann::json j;
    j["output"] = r.weights_path;
    j["method"] = factor ? "factor-average" : "delta-soup";
    j["adapters"] = paths;
    if (!factor) {
      j["relative_error"] = soup.relative_error;
      nlohmann::json mods = nlohmann::json::array();
      for (const auto& e : soup.errors)
        mods.push_back({{"module", e.module}, {"relative_error", e.relative_error}, {"absolute_error", e.absolute_error}});
      j["modules"] = mods;
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "wrote " << (factor ? "factor average" : "ΔW soup") << " of " << paths.size() << " adapters ("
            << out.modules.size() << " modules, rank " << out.modules.front().rank() << ") to " << r.weights_path << "\n";
  if (!factor) {
    double worst = 0;
    std::string worst_module;
    for (const auto& e : soup.errors)
      if (e.relative_error > worst) {
        worst = e.relative_error;
        worst_module = e.module;
      }
    std::cout << "relative ΔW error of the rank compression: " << format_double(soup.relative_error, 4)
              << " overall; worst module " << (worst_module.empty() ? "-" : worst_module) << " "
              << format_double(worst, 4) << "\n";
  }
  return 0;
}

}  // namespace lorastudio::cli
