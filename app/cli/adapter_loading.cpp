#include "app/cli/adapter_loading.h"

#include <iostream>

#include "app/cli/arg_parser.h"

namespace lorastudio::cli {

LoadedAdapter load_adapter_for_cli(const std::string& path, double alpha_override, bool quiet) {
  LoadedAdapter loaded = load_adapter(path);
  if (alpha_override > 0) {
    for (auto& m : loaded.adapter.modules) m.alpha = alpha_override;
    loaded.notes.push_back("alpha set to " + std::to_string(alpha_override) + " for every module (--alpha)");
  }
  if (!quiet)
    for (const auto& n : loaded.notes) std::cerr << "note: " << path << ": " << n << "\n";
  return loaded;
}

AdapterFormat output_format(const std::string& name, AdapterFormat source) {
  if (name.empty()) return source;
  auto f = parse_format_name(name);
  if (!f) throw UsageError("unknown format '" + name + "' (peft, diffusers or kohya)");
  return *f;
}

}  // namespace lorastudio::cli
