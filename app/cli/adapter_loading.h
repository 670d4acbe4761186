#pragma once
// Loading adapters for CLI commands: format detection, the --alpha override, notes to stderr.
#include <string>

#include "core/formats/adapter_io.h"

namespace lorastudio::cli {

// alpha_override <= 0 keeps the file's alphas.
LoadedAdapter load_adapter_for_cli(const std::string& path, double alpha_override = 0, bool quiet = false);

// Output format: --to/--format value, or the source format when empty.
AdapterFormat output_format(const std::string& name, AdapterFormat source);

}  // namespace lorastudio::cli
