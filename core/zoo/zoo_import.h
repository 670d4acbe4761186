#pragma once
// Importing adapters from paths into a zoo task (creating the zoo and the task when needed).
//
// Each PATH is an adapter (a PEFT directory, a diffusers directory or file, a kohya .safetensors file)
// or a directory whose entries are adapters: its subdirectories and .safetensors files, in natural
// order (seed2 before seed10); hidden entries and other files are skipped, a subdirectory that is no
// adapter is an error. Every adapter is read and flattened before anything is written, so an error
// or a cancellation leaves the zoo as it was (and creates no zoo).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/zoo/zoo_layout.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio {

// Called with (adapters read, adapters in all) before the first and after each; returning false cancels.
using ImportProgress = std::function<bool(int done, int total)>;

struct ZooImportOptions {
  std::string task;
  // Required for a new task; for an existing task empty or the same as stored (Error otherwise).
  TaskCondition condition;
  // For a new zoo (default: none); for an existing zoo, when given, it must equal the zoo's (Error otherwise).
  std::optional<BalanceOptions> balance;
};

struct ZooImportResult {
  bool cancelled = false;
  bool created_zoo = false;
  bool created_task = false;
  int64_t added = 0;                 // checkpoints added
  int64_t task_count = 0;            // checkpoints in the task afterwards
  int64_t dim = 0;                   // D
  std::vector<std::string> sources;  // the adapters added, in order
  std::vector<std::string> notes;    // e.g. "PATH: modules_to_save (2 tensors) are not stored in the zoo"
};

// The adapters named by `paths`, expanded as described above. Throws FileError naming a path that
// does not exist, a subdirectory that holds no adapter, or a directory with no adapters.
std::vector<std::string> expand_adapter_paths(const std::vector<std::string>& paths);

// Reads the adapters (layout mismatches are FileErrors naming the adapter and the first module that
// differs), then creates the zoo in `zoo_dir` if it holds none, then adds the task or appends to it.
ZooImportResult import_into_zoo(const std::string& zoo_dir, const std::vector<std::string>& paths,
                                const ZooImportOptions& options, const ImportProgress& progress = {});

}  // namespace lorastudio
