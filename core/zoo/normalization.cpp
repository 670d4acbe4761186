#include "core/zoo/normalization.h"

#include <algorithm>
#include <cmath>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/zoo/zoo.h"

namespace lorastudio {
namespace {

constexpr const char* kMetadataKey = "lorastudio.normalizer";
constexpr const char* kFormat = "lorastudio-normalizer";
constexpr int kVersion = 1;

const char* task_statistics_name(TaskStatistics s) { return s == TaskStatistics::Scalar ? "scalar" : "per_coordinate"; }
const char* unseen_task_name(UnseenTaskPolicy p) { return p == UnseenTaskPolicy::Error ? "error" : "pooled"; }

std::string shape_text(c10::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

nlohmann::json tensor_to_json(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat).contiguous();
  if (c.dim() == 0) return c.item<float>();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

torch::Tensor tensor_from_json(const nlohmann::json& j, const std::string& label, const std::string& what) {
  try {
    if (j.is_number()) return torch::tensor(j.get<float>());
    const auto v = j.get<std::vector<float>>();
    return torch::tensor(v, torch::kFloat);
  } catch (const nlohmann::json::exception&) {
    throw FileError(label, what + " must be a number or an array of numbers");
  }
}

}  // namespace

const char* normalization_mode_name(NormalizationMode mode) {
  switch (mode) {
    case NormalizationMode::None: return "none";
    case NormalizationMode::Task: return "task";
    case NormalizationMode::Global: return "global";
  }
  return "?";
}

NormalizationMode parse_normalization_mode(const std::string& name) {
  if (name == "none") return NormalizationMode::None;
  if (name == "task") return NormalizationMode::Task;
  if (name == "global") return NormalizationMode::Global;
  throw Error("unknown normalization mode '" + name + "' (none, task, global)");
}

ParameterNormalizer::ParameterNormalizer(NormalizationOptions options) : options_(options) {
  if (!(options_.epsilon > 0) || !std::isfinite(options_.epsilon))
    throw Error("the normalizer's epsilon must be positive and finite");
}

void ParameterNormalizer::Accumulator::add(const torch::Tensor& rows) {
  const int64_t k = rows.size(0), d = rows.size(1);
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 22) / std::max<int64_t>(d, 1));  // ≤ 32 MiB of float64
  for (int64_t start = 0; start < k; start += chunk) {
    const torch::Tensor c = rows.narrow(0, start, std::min(chunk, k - start)).to(torch::kCPU).to(torch::kDouble);
    const int64_t nb = c.size(0);
    const torch::Tensor mb = c.mean(0);
    const torch::Tensor m2b = (c - mb).pow(2).sum(0);
    if (n == 0) {
      n = nb;
      mean = mb;
      m2 = m2b;
      continue;
    }
    const int64_t total = n + nb;
    const torch::Tensor delta = mb - mean;
    mean = mean + delta * (static_cast<double>(nb) / total);
    m2 = m2 + m2b + delta.pow(2) * (static_cast<double>(n) * nb / total);
    n = total;
  }
}

void ParameterNormalizer::accumulate(const std::string& task, const torch::Tensor& rows) {
  if (loaded_) throw Error("this normalizer was loaded with its statistics only; fit a new one to add checkpoints");
  if (!rows.defined()) throw Error("task '" + task + "': no parameters given");
  torch::Tensor r = rows.dim() == 1 ? rows.unsqueeze(0) : rows;
  if (r.dim() != 2 || r.size(0) < 1 || r.size(1) < 1 || !r.is_floating_point())
    throw Error("task '" + task + "': parameters must be a floating [N, D] or [D] tensor, got " + shape_text(rows.sizes()));
  if (dim_ != 0 && r.size(1) != dim_)
    throw Error("task '" + task + "': D = " + std::to_string(r.size(1)) + ", earlier checkpoints had D = " + std::to_string(dim_));
  if (!torch::isfinite(r).all().item<bool>()) throw Error("task '" + task + "': parameters are not all finite");
  dim_ = r.size(1);
  if (options_.mode == NormalizationMode::Task) task_acc_[task].add(r);
  if (options_.mode != NormalizationMode::None) global_acc_.add(r);
  task_counts_[task] += r.size(0);
  fitted_ = false;
}

ParameterNormalizer::Stats ParameterNormalizer::summarize(const Accumulator& acc, bool per_coordinate) const {
  Stats s;
  if (per_coordinate) {
    s.mean = acc.mean.to(torch::kFloat);
    s.std = (acc.m2 / static_cast<double>(acc.n)).sqrt().clamp_min(options_.epsilon).to(torch::kFloat);
    return s;
  }
  const torch::Tensor grand = acc.mean.mean();
  const torch::Tensor m2 = acc.m2.sum() + (acc.mean - grand).pow(2).sum() * static_cast<double>(acc.n);
  const double total = static_cast<double>(acc.n) * static_cast<double>(acc.mean.numel());
  s.mean = grand.to(torch::kFloat);
  s.std = (m2 / total).sqrt().clamp_min(options_.epsilon).to(torch::kFloat);
  return s;
}

void ParameterNormalizer::finalize() {
  if (loaded_) return;
  if (task_counts_.empty()) throw Error("nothing to fit: no checkpoints were accumulated");
  task_stats_.clear();
  global_stats_ = {};
  const bool per_coordinate = options_.task_statistics == TaskStatistics::PerCoordinate;
  if (options_.mode == NormalizationMode::Task) {
    for (const auto& [task, acc] : task_acc_) task_stats_[task] = summarize(acc, per_coordinate);
    global_stats_ = summarize(global_acc_, per_coordinate);
  } else if (options_.mode == NormalizationMode::Global) {
    global_stats_ = summarize(global_acc_, true);
  }
  fitted_ = true;
}

void ParameterNormalizer::fit(const std::vector<std::pair<std::string, torch::Tensor>>& tasks) {
  for (const auto& [task, rows] : tasks) accumulate(task, rows);
  finalize();
}

void ParameterNormalizer::fit(const Zoo& zoo) {
  for (const auto& task : zoo.tasks()) accumulate(task, zoo.task_params(task));
  finalize();
}

std::vector<std::string> ParameterNormalizer::tasks() const {
  std::vector<std::string> names;
  for (const auto& [task, n] : task_counts_) names.push_back(task);
  return names;
}

int64_t ParameterNormalizer::count(const std::string& task) const {
  auto it = task_counts_.find(task);
  return it == task_counts_.end() ? 0 : it->second;
}

bool ParameterNormalizer::can_normalize(const std::string& task) const {
  if (options_.mode == NormalizationMode::None) return true;
  if (!fitted_) return false;
  if (options_.mode == NormalizationMode::Global) return true;
  return task_stats_.count(task) > 0 || options_.unseen_task == UnseenTaskPolicy::Pooled;
}

const ParameterNormalizer::Stats& ParameterNormalizer::stats_for(const std::string& task) const {
  if (!fitted_) throw Error("the parameter normalizer is not fitted yet (accumulate() then finalize(), or fit())");
  if (options_.mode == NormalizationMode::Global) return global_stats_;
  auto it = task_stats_.find(task);
  if (it != task_stats_.end()) return it->second;
  if (options_.unseen_task == UnseenTaskPolicy::Pooled) return global_stats_;
  std::string known;
  for (const auto& [name, s] : task_stats_) known += (known.empty() ? "" : ", ") + name;
  throw Error("task normalisation has no statistics for task '" + task + "': it was not among the fitted tasks (" + known +
              "); fit with checkpoints of it, use global normalisation, or allow the pooled fallback");
}

torch::Tensor ParameterNormalizer::mean(const std::string& task) const {
  if (options_.mode == NormalizationMode::None) return torch::tensor(0.0f);
  return stats_for(task).mean;
}

torch::Tensor ParameterNormalizer::stddev(const std::string& task) const {
  if (options_.mode == NormalizationMode::None) return torch::tensor(1.0f);
  return stats_for(task).std;
}

namespace {

void check_input(const torch::Tensor& x, int64_t dim, const char* what) {
  if (!x.defined() || !x.is_floating_point() || x.dim() < 1 || x.dim() > 2 || x.size(-1) != dim)
    throw Error(std::string("cannot ") + what + " a tensor of shape " + (x.defined() ? shape_text(x.sizes()) : "(none)") +
                ": the statistics are for floating [N, " + std::to_string(dim) + "] or [" + std::to_string(dim) + "] tensors");
}

}  // namespace

torch::Tensor ParameterNormalizer::encode(const std::string& task, const torch::Tensor& x) const {
  if (options_.mode == NormalizationMode::None) return x;
  const Stats& s = stats_for(task);
  check_input(x, dim_, "normalise");
  const auto compute = x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const auto mean = s.mean.to(x.device(), compute), std = s.std.to(x.device(), compute);
  return ((x.to(compute) - mean) / std).to(x.scalar_type());
}

torch::Tensor ParameterNormalizer::decode(const std::string& task, const torch::Tensor& z) const {
  if (options_.mode == NormalizationMode::None) return z;
  const Stats& s = stats_for(task);
  check_input(z, dim_, "denormalise");
  const auto compute = z.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const auto mean = s.mean.to(z.device(), compute), std = s.std.to(z.device(), compute);
  return (z.to(compute) * std + mean).to(z.scalar_type());
}

nlohmann::json ParameterNormalizer::header_json() const {
  return {{"format", kFormat},
          {"version", kVersion},
          {"mode", normalization_mode_name(options_.mode)},
          {"task_statistics", task_statistics_name(options_.task_statistics)},
          {"unseen_task", unseen_task_name(options_.unseen_task)},
          {"epsilon", options_.epsilon},
          {"dim", dim_},
          {"tasks", task_counts_}};
}

ParameterNormalizer ParameterNormalizer::from_header(const nlohmann::json& j, const std::string& label) {
  try {
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
      throw FileError(label, "is not a saved parameter normalizer");
    const int version = j.at("version").get<int>();
    if (version < 1 || version > kVersion)
      throw FileError(label, "normalizer version " + std::to_string(version) + " is not supported");
    NormalizationOptions o;
    o.mode = parse_normalization_mode(j.at("mode").get<std::string>());
    const std::string ts = j.at("task_statistics").get<std::string>();
    if (ts != "scalar" && ts != "per_coordinate") throw FileError(label, "unknown task_statistics '" + ts + "'");
    o.task_statistics = ts == "scalar" ? TaskStatistics::Scalar : TaskStatistics::PerCoordinate;
    const std::string un = j.at("unseen_task").get<std::string>();
    if (un != "error" && un != "pooled") throw FileError(label, "unknown unseen_task policy '" + un + "'");
    o.unseen_task = un == "error" ? UnseenTaskPolicy::Error : UnseenTaskPolicy::Pooled;
    o.epsilon = j.at("epsilon").get<double>();
    if (!(o.epsilon > 0) || !std::isfinite(o.epsilon)) throw FileError(label, "epsilon must be positive and finite");
    ParameterNormalizer n(o);
    n.dim_ = j.at("dim").get<int64_t>();
    n.task_counts_ = j.at("tasks").get<std::map<std::string, int64_t>>();
    if (n.dim_ < 0 || (o.mode != NormalizationMode::None && (n.dim_ == 0 || n.task_counts_.empty())))
      throw FileError(label, "the normalizer was saved before it was fitted");
    n.loaded_ = true;
    n.fitted_ = true;
    return n;
  } catch (const nlohmann::json::exception& e) {
    throw FileError(label, std::string("malformed normalizer header: ") + e.what());
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(label, e.what());
  }
}

namespace {

// Checks one pair of statistics read back: float32, the expected shape, finite, std > 0.
void check_stats(torch::Tensor& mean, torch::Tensor& std, bool per_coordinate, int64_t dim, const std::string& label,
                 const std::string& what) {
  for (torch::Tensor* t : {&mean, &std}) {
    *t = t->to(torch::kFloat).clone();
    const bool ok = per_coordinate ? (t->dim() == 1 && t->size(0) == dim) : t->numel() == 1;
    if (!ok)
      throw FileError(label, what + " statistics have shape " + shape_text(t->sizes()) + ", expected " +
                                 (per_coordinate ? "[" + std::to_string(dim) + "]" : std::string("a scalar")));
    if (!per_coordinate) *t = t->reshape({});
  }
  if (!torch::isfinite(mean).all().item<bool>() || !torch::isfinite(std).all().item<bool>() ||
      !(std > 0).all().item<bool>())
    throw FileError(label, what + " statistics are not finite or have a std <= 0");
}

}  // namespace

void ParameterNormalizer::save(const std::string& path) const {
  if (options_.mode != NormalizationMode::None && !fitted_) throw Error("fit the parameter normalizer before saving it");
  std::vector<NamedTensor> tensors;
  if (options_.mode != NormalizationMode::None) {
    tensors.push_back({"global.mean", global_stats_.mean});
    tensors.push_back({"global.std", global_stats_.std});
  }
  for (const auto& [task, s] : task_stats_) {
    tensors.push_back({"task." + task + ".mean", s.mean});
    tensors.push_back({"task." + task + ".std", s.std});
  }
  write_safetensors(path, tensors, {{kMetadataKey, header_json().dump()}});
}

ParameterNormalizer ParameterNormalizer::load(const std::string& path) {
  SafetensorsReader reader(path);
  auto it = reader.metadata().find(kMetadataKey);
  if (it == reader.metadata().end())
    throw FileError(path, std::string("is not a saved parameter normalizer (no \"") + kMetadataKey + "\" metadata)");
  const nlohmann::json header = parse_json(it->second, path, "the normalizer header");
  ParameterNormalizer n = from_header(header, path);
  if (n.options_.mode == NormalizationMode::None) return n;
  const bool global_per_coordinate =
      n.options_.mode == NormalizationMode::Global || n.options_.task_statistics == TaskStatistics::PerCoordinate;
  auto read = [&](const std::string& prefix, bool per_coordinate) {
    Stats s;
    for (const char* part : {".mean", ".std"})
      if (!reader.contains(prefix + part)) throw FileError(path, "has no \"" + prefix + part + "\" tensor");
    s.mean = reader.tensor(prefix + ".mean");
    s.std = reader.tensor(prefix + ".std");
    check_stats(s.mean, s.std, per_coordinate, n.dim_, path, prefix);
    return s;
  };
  n.global_stats_ = read("global", global_per_coordinate);
  if (n.options_.mode == NormalizationMode::Task)
    for (const auto& [task, count] : n.task_counts_) n.task_stats_[task] = read("task." + task, global_per_coordinate);
  return n;
}

nlohmann::json ParameterNormalizer::to_json() const {
  if (options_.mode != NormalizationMode::None && !fitted_) throw Error("fit the parameter normalizer before saving it");
  nlohmann::json j = header_json();
  if (options_.mode == NormalizationMode::None) return j;
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& [task, s] : task_stats_) tasks[task] = {{"mean", tensor_to_json(s.mean)}, {"std", tensor_to_json(s.std)}};
  j["statistics"] = {{"global", {{"mean", tensor_to_json(global_stats_.mean)}, {"std", tensor_to_json(global_stats_.std)}}},
                     {"tasks", tasks}};
  return j;
}

ParameterNormalizer ParameterNormalizer::from_json(const nlohmann::json& j, const std::string& label) {
  ParameterNormalizer n = from_header(j, label);
  if (n.options_.mode == NormalizationMode::None) return n;
  const bool per_coordinate =
      n.options_.mode == NormalizationMode::Global || n.options_.task_statistics == TaskStatistics::PerCoordinate;
  auto read = [&](const nlohmann::json& entry, const std::string& what) {
    if (!entry.is_object() || !entry.contains("mean") || !entry.contains("std"))
      throw FileError(label, what + " statistics need \"mean\" and \"std\"");
    Stats s{tensor_from_json(entry["mean"], label, what + " mean"), tensor_from_json(entry["std"], label, what + " std")};
    check_stats(s.mean, s.std, per_coordinate, n.dim_, label, what);
    return s;
  };
  if (!j.contains("statistics") || !j["statistics"].is_object()) throw FileError(label, "has no \"statistics\"");
  const auto& st = j["statistics"];
  n.global_stats_ = read(st.value("global", nlohmann::json()), "global");
  if (n.options_.mode == NormalizationMode::Task) {
    const auto tasks = st.value("tasks", nlohmann::json::object());
    for (const auto& [task, count] : n.task_counts_) {
      if (!tasks.contains(task)) throw FileError(label, "has no statistics for task '" + task + "'");
      n.task_stats_[task] = read(tasks[task], "task '" + task + "'");
    }
  }
  return n;
}

}  // namespace lorastudio
