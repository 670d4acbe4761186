#include "app/cli/bench_options.h"

#include <iostream>

#include "core/util/atomic_file.h"

namespace lorastudio::cli {

void write_json_option(const ArgParser& p, const nlohmann::json& results) {
  if (!p.has("--json")) return;
  write_file_atomically(p.get("--json"), results.dump(2) + "\n");
  std::cout << "results written to " << p.get("--json") << "\n";
}

std::function<void(const std::string&)> progress_option(const ArgParser& p) {
  if (p.has("--quiet")) return {};
  return [](const std::string& line) { std::cerr << "  " << line << "\n"; };
}

}  // namespace lorastudio::cli
