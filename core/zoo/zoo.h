#pragma once
// A LoRA zoo (Cond P-Diff style): tasks, each with a condition and N checkpoints of one layout,
// stored compactly in a directory:
//   zoo.json                  the manifest (zoo_manifest.h): tasks, conditions, counts, sources, metric names
//   layout.json               the ZooLayout every checkpoint is flattened with (D parameters)
//   tasks/<task>.safetensors  "params" [N, D] float32, optional "metrics" [N, M] float32 (NaN = not measured)
//   images/<task>/...         copies of condition images, so the zoo is self-contained
//
// Writing is incremental: adding a task or checkpoints rewrites only that task's file, then zoo.json,
// each atomically (temporary file + rename). zoo.json is the authority: a task file with more rows
// (or metric columns) than zoo.json records is what an append interrupted between the two renames
// leaves, and only the recorded rows are read (warnings() says so); a task file zoo.json does not
// list is ignored. So a failed or interrupted add always leaves the previous zoo readable.
// A Zoo object is a snapshot of the directory when opened plus its own additions; one writer at a time.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "core/lora/lora_adapter.h"
#include "core/zoo/zoo_layout.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio {

// One adapter to add, with where it came from and what was measured on it.
struct ZooCheckpoint {
  LoraAdapter adapter;
  std::string source;                     // e.g. the adapter's path
  std::map<std::string, double> metrics;  // e.g. {"fid": 23.4}; missing names are NaN
};

// Checkpoints already flattened with one layout.
struct FlatCheckpoints {
  torch::Tensor params;                   // [N, D] float32
  std::vector<std::string> sources;       // N entries, or none (recorded as "")
  std::vector<std::string> metric_names;  // M names
  torch::Tensor metrics;                  // [N, M] float32, undefined when M = 0
  int64_t count() const { return params.defined() ? params.size(0) : 0; }
};

// Flattens every checkpoint (errors name its source, or "checkpoint i") and gathers the metric names.
FlatCheckpoints flatten_checkpoints(const ZooLayout& layout, const std::vector<ZooCheckpoint>& checkpoints);

struct TaskParameterStats {
  int64_t count = 0, dim = 0;
  double mean = 0, std = 0, min = 0, max = 0;  // over all N·D values
  double mean_row_norm = 0;                    // mean over checkpoints of ||params||₂
};

class Zoo {
 public:
  // Creates an empty zoo in `dir` (created if needed; an existing directory must be empty).
  // The balance is fixed here and applies to the layout the first task brings.
  static Zoo create(const std::string& dir, const BalanceOptions& balance = {});
  // Opens and validates: manifest fields and version, layout.json, every task file's existence,
  // header, dtypes and shapes against D and the counts, metric columns, condition image copies.
  // Each fault is a FileError naming the file at fault.
  static Zoo open(const std::string& dir);
  static bool exists(const std::string& dir);  // dir/zoo.json exists

  const std::string& dir() const { return dir_; }
  const ZooManifest& manifest() const { return manifest_; }
  std::vector<std::string> tasks() const;  // in the order they were added
  bool has_task(const std::string& name) const { return manifest_.find(name) != nullptr; }
  const ZooTaskEntry& task(const std::string& name) const;  // throws Error if absent
  int64_t count(const std::string& name) const { return task(name).count; }
  int64_t checkpoint_count() const;  // over all tasks
  const TaskCondition& condition(const std::string& name) const { return task(name).condition; }
  std::string image_path(const std::string& name, size_t index) const;  // the stored copy, full path
  bool has_layout() const { return layout_.has_value(); }
  const ZooLayout& layout() const;  // throws Error before the first task
  int64_t dim() const { return manifest_.dim; }
  const BalanceOptions& balance() const { return manifest_.balance; }
  // The zoo's layout, or before the first task the layout of `adapter` with the zoo's balance.
  ZooLayout layout_for(const LoraAdapter& adapter, const std::string& label = "adapter") const;

  // [N, D] float32: a zero-copy view of the task file (writing into it never reaches the file).
  torch::Tensor task_params(const std::string& name) const;
  // [N, M] float32 (NaN = not measured), undefined when the task has no metrics.
  torch::Tensor task_metrics(const std::string& name) const;
  FlatCheckpoints task_checkpoints(const std::string& name) const;
  TaskParameterStats parameter_stats(const std::string& name) const;

  // A new task (Error if it exists, if the name cannot be a file name, if the condition is empty or
  // has examples without text, if `layout` differs from the zoo's, or a row is not finite; FileError
  // if a condition image cannot be read). `rows` must have been flattened with `layout`.
  void add_task(const std::string& name, const TaskCondition& condition, const FlatCheckpoints& rows,
                const ZooLayout& layout);
  void add_task(const std::string& name, const TaskCondition& condition, const std::vector<ZooCheckpoint>& checkpoints);
  // Appends to an existing task; metric names are merged (NaN where a checkpoint has no value).
  void add_checkpoints(const std::string& name, const FlatCheckpoints& rows, const ZooLayout& layout);
  void add_checkpoints(const std::string& name, const std::vector<ZooCheckpoint>& checkpoints);

  // Tasks, counts, D, layout summary, conditions, metric names, sources.
  nlohmann::json summary() const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Zoo() = default;
  std::string path_of(const std::string& relative) const;
  void check_rows(const std::string& task, const FlatCheckpoints& rows, const ZooLayout& layout) const;
  void write_manifest(const ZooManifest& manifest) const;

  std::string dir_;
  ZooManifest manifest_;
  std::optional<ZooLayout> layout_;
  std::vector<std::string> warnings_;
};

}  // namespace lorastudio
