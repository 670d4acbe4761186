#pragma once
// One task's file in a zoo, tasks/<task>.safetensors: "params" [N, D] float32 and, when the task has
// metrics, "metrics" [N, M] float32 (NaN = not measured); metadata {"format": "lorastudio-zoo-task",
// "task": name}. zoo.json is the authority on N and M (see zoo.h).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/zoo/zoo_manifest.h"

namespace lorastudio {

struct ZooTaskTensors {
  torch::Tensor params;   // [count, D], a zero-copy view of the file
  torch::Tensor metrics;  // [count, M] or undefined when the task has no metrics
};

// Reads the file and checks it against its manifest entry (existence, task name, dtypes, shapes against D,
// the count and the metric names): FileError naming the file. Views are narrowed to the recorded rows and
// metric columns; a file with more of them (an interrupted append) adds a line to `warnings` when given.
ZooTaskTensors read_task_file(const std::string& path, const ZooTaskEntry& entry, int64_t dim,
                              std::vector<std::string>* warnings);

// Writes the file atomically (metrics left out when undefined or empty); FileError names the file.
void write_task_file(const std::string& path, const std::string& task, const torch::Tensor& params,
                     const torch::Tensor& metrics);

}  // namespace lorastudio
