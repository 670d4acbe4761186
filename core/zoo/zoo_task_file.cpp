#include "core/zoo/zoo_task_file.h"

#include <filesystem>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

constexpr const char* kParams = "params";
constexpr const char* kMetrics = "metrics";
constexpr const char* kTaskFileFormat = "lorastudio-zoo-task";

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

ZooTaskTensors read_task_file(const std::string& path, const ZooTaskEntry& t, int64_t dim,
                              std::vector<std::string>* warnings) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileError(path, "is missing (zoo.json lists task '" + t.name + "' in it)");
  SafetensorsReader reader(path);
  auto task_it = reader.metadata().find("task");
  if (task_it != reader.metadata().end() && task_it->second != t.name)
    throw FileError(path, "holds task '" + task_it->second + "', not '" + t.name + "'");
  if (!reader.contains(kParams)) throw FileError(path, "has no \"params\" tensor");
  const StTensorInfo& p = reader.info(kParams);
  if (p.dtype != StDtype::F32)
    throw FileError(path, std::string("\"params\" is ") + st_dtype_name(p.dtype) + "; a zoo stores F32");
  if (p.shape.size() != 2 || p.shape[1] != dim)
    throw FileError(path, "\"params\" has shape " + shape_text(p.shape) + "; the zoo's layout needs [N, " +
                              std::to_string(dim) + "]");
  if (p.shape[0] < t.count)
    throw FileError(path, "holds " + std::to_string(p.shape[0]) + " checkpoints but zoo.json records " +
                              std::to_string(t.count));
  if (p.shape[0] > t.count && warnings)
    warnings->push_back(path + ": holds " + std::to_string(p.shape[0]) + " checkpoints, zoo.json records " +
                        std::to_string(t.count) + " (an interrupted append); the extra ones are ignored");
  ZooTaskTensors out;
  out.params = reader.tensor(kParams).narrow(0, 0, t.count);
  const int64_t m = static_cast<int64_t>(t.metric_names.size());
  if (m > 0) {
    if (!reader.contains(kMetrics))
      throw FileError(path, "has no \"metrics\" tensor but zoo.json names " + std::to_string(m) + " metrics");
    const StTensorInfo& mi = reader.info(kMetrics);
    if (mi.dtype != StDtype::F32)
      throw FileError(path, std::string("\"metrics\" is ") + st_dtype_name(mi.dtype) + "; a zoo stores F32");
    if (mi.shape.size() != 2 || mi.shape[0] != p.shape[0] || mi.shape[1] < m)
      throw FileError(path, "\"metrics\" has shape " + shape_text(mi.shape) + "; expected [" + std::to_string(p.shape[0]) +
                                ", " + std::to_string(m) + "] (one row per checkpoint, one column per metric)");
    out.metrics = reader.tensor(kMetrics).narrow(0, 0, t.count).narrow(1, 0, m);
  }
  return out;
}

void write_task_file(const std::string& path, const std::string& task, const torch::Tensor& params,
                     const torch::Tensor& metrics) {
  std::vector<NamedTensor> tensors{{kParams, params.to(torch::kFloat).contiguous()}};
  if (metrics.defined() && metrics.numel() > 0) tensors.push_back({kMetrics, metrics.to(torch::kFloat).contiguous()});
  write_safetensors(path, tensors, {{"format", kTaskFileFormat}, {"task", task}});
}

}  // namespace lorastudio
