#include "core/zoo/zoo.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/zoo/zoo_task_file.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

nlohmann::json read_json_file(const std::string& path) {
  return parse_json(read_text_file(path), path);
}

void make_directories(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw FileError(p.string(), "cannot create the directory: " + ec.message());
}

std::string safe_file_name(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    s += ok ? c : '_';
  }
  return s.empty() || s.front() == '.' ? "image" + s : s;
}

std::string balance_text(const BalanceOptions& b) {
  std::ostringstream s;
  s << "scale_A " << b.scale_A << ", scale_B " << b.scale_B;
  return s.str();
}

}  // namespace

FlatCheckpoints flatten_checkpoints(const ZooLayout& layout, const std::vector<ZooCheckpoint>& checkpoints) {
  if (checkpoints.empty()) throw Error("no checkpoints to flatten");
  FlatCheckpoints rows;
  const int64_t n = static_cast<int64_t>(checkpoints.size());
  rows.params = torch::empty({n, layout.dim()}, torch::kFloat);
  for (int64_t i = 0; i < n; ++i) {
    const auto& c = checkpoints[i];
    const std::string label = c.source.empty() ? "checkpoint " + std::to_string(i) : c.source;
    rows.params[i].copy_(layout.flatten(c.adapter, label));
    rows.sources.push_back(c.source);
    for (const auto& [metric, value] : c.metrics) {
      (void)value;
      if (std::find(rows.metric_names.begin(), rows.metric_names.end(), metric) == rows.metric_names.end())
        rows.metric_names.push_back(metric);
    }
  }
  if (!rows.metric_names.empty()) {
    const int64_t m = static_cast<int64_t>(rows.metric_names.size());
    rows.metrics = torch::full({n, m}, std::numeric_limits<float>::quiet_NaN(), torch::kFloat);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        auto it = checkpoints[i].metrics.find(rows.metric_names[j]);
        if (it != checkpoints[i].metrics.end()) rows.metrics[i][j] = it->second;
      }
  }
  return rows;
}

Zoo Zoo::create(const std::string& dir, const BalanceOptions& balance) {
  const fs::path p(dir);
  std::error_code ec;
  if (fs::exists(p / kZooManifestName, ec))
    throw FileError(dir, "already holds a zoo (zoo.json); open it or import into it");
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) throw FileError(dir, "exists and is not a directory");
    if (!fs::is_empty(p, ec)) throw FileError(dir, "is not empty; a new zoo needs a new or empty directory");
  }
  if (!std::isfinite(balance.scale_A) || !std::isfinite(balance.scale_B) || balance.scale_A == 0 || balance.scale_B == 0)
    throw Error("balance scales must be finite and non-zero (" + balance_text(balance) + ")");
  make_directories(p / "tasks");
  Zoo zoo;
  zoo.dir_ = dir;
  zoo.manifest_.balance = balance;
  zoo.write_manifest(zoo.manifest_);
  return zoo;
}

bool Zoo::exists(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / kZooManifestName, ec);
}

Zoo Zoo::open(const std::string& dir) {
  Zoo zoo;
  zoo.dir_ = dir;
  const std::string manifest_path = zoo.path_of(kZooManifestName);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError(dir, "no such directory");
  if (!fs::exists(manifest_path, ec)) throw FileError(manifest_path, "is missing: " + dir + " is not a LoRA zoo");
  zoo.manifest_ = manifest_from_json(read_json_file(manifest_path), manifest_path);
  const BalanceOptions& b = zoo.manifest_.balance;
  if (!std::isfinite(b.scale_A) || !std::isfinite(b.scale_B) || b.scale_A == 0 || b.scale_B == 0)
    throw FileError(manifest_path, "balance scales must be finite and non-zero (" + balance_text(b) + ")");
  if (zoo.manifest_.has_layout) {
    const std::string layout_path = zoo.path_of(kZooLayoutName);
    if (!fs::exists(layout_path, ec)) throw FileError(layout_path, "is missing (zoo.json refers to it)");
    zoo.layout_ = ZooLayout::from_json(read_json_file(layout_path), layout_path);
    if (zoo.layout_->dim() != zoo.manifest_.dim)
      throw FileError(manifest_path, "\"dim\" is " + std::to_string(zoo.manifest_.dim) + " but layout.json adds up to " +
                                         std::to_string(zoo.layout_->dim()));
    const BalanceOptions& lb = zoo.layout_->balance();
    if (lb.scale_A != b.scale_A || lb.scale_B != b.scale_B)
      throw FileError(layout_path, "balance (" + balance_text(lb) + ") differs from zoo.json's (" + balance_text(b) + ")");
  } else if (zoo.manifest_.dim != 0) {
    throw FileError(manifest_path, "has a \"dim\" but no layout");
  }
  for (const auto& t : zoo.manifest_.tasks) {
    read_task_file(zoo.path_of(t.file), t, zoo.manifest_.dim, &zoo.warnings_);
    for (const auto& im : t.condition.images) {
      const std::string image = zoo.path_of(im.file);
      if (!fs::is_regular_file(image, ec))
        throw FileError(image, "is missing (a condition image of task '" + t.name + "', imported from " + im.source + ")");
    }
  }
  return zoo;
}

std::string Zoo::path_of(const std::string& relative) const { return (fs::path(dir_) / relative).string(); }

std::vector<std::string> Zoo::tasks() const {
  std::vector<std::string> names;
  for (const auto& t : manifest_.tasks) names.push_back(t.name);
  return names;
}

const ZooTaskEntry& Zoo::task(const std::string& name) const {
  const ZooTaskEntry* t = manifest_.find(name);
  if (!t) throw Error("zoo " + dir_ + " has no task '" + name + "'");
  return *t;
}

int64_t Zoo::checkpoint_count() const {
  int64_t n = 0;
  for (const auto& t : manifest_.tasks) n += t.count;
  return n;
}

std::string Zoo::image_path(const std::string& name, size_t index) const {
  const auto& images = task(name).condition.images;
  if (index >= images.size())
    throw Error("task '" + name + "' has " + std::to_string(images.size()) + " condition images, not " + std::to_string(index + 1));
  return path_of(images[index].file);
}

const ZooLayout& Zoo::layout() const {
  if (!layout_) throw Error("zoo " + dir_ + " has no layout yet (it has no tasks)");
  return *layout_;
}

ZooLayout Zoo::layout_for(const LoraAdapter& adapter, const std::string& label) const {
  return layout_ ? *layout_ : ZooLayout::from_adapter(adapter, manifest_.balance, label);
}

torch::Tensor Zoo::task_params(const std::string& name) const {
  const ZooTaskEntry& t = task(name);
  return read_task_file(path_of(t.file), t, manifest_.dim, nullptr).params;
}

torch::Tensor Zoo::task_metrics(const std::string& name) const {
  const ZooTaskEntry& t = task(name);
  return read_task_file(path_of(t.file), t, manifest_.dim, nullptr).metrics;
}

FlatCheckpoints Zoo::task_checkpoints(const std::string& name) const {
  const ZooTaskEntry& t = task(name);
  ZooTaskTensors tt = read_task_file(path_of(t.file), t, manifest_.dim, nullptr);
  return {tt.params, t.sources, t.metric_names, tt.metrics};
}

TaskParameterStats Zoo::parameter_stats(const std::string& name) const {
  const torch::Tensor p = task_params(name);
  TaskParameterStats s;
  s.count = p.size(0);
  s.dim = p.size(1);
  double mean = 0, m2 = 0, norms = 0;
  int64_t n = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < s.count; ++i) {  // one row in float64 at a time; rows merged (Chan et al.)
    const torch::Tensor r = p[i].to(torch::kDouble);
    const double rm = r.mean().item<double>();
    const double rm2 = (r - rm).pow(2).sum().item<double>();
    const int64_t total = n + s.dim;
    const double delta = rm - mean;
    mean += delta * s.dim / total;
    m2 += rm2 + delta * delta * static_cast<double>(n) * s.dim / total;
    n = total;
    s.min = std::min(s.min, r.min().item<double>());
    s.max = std::max(s.max, r.max().item<double>());
    norms += r.norm().item<double>();
  }
  s.mean = mean;
  s.std = n ? std::sqrt(m2 / n) : 0;
  s.mean_row_norm = s.count ? norms / s.count : 0;
  return s;
}

void Zoo::check_rows(const std::string& task, const FlatCheckpoints& rows, const ZooLayout& layout) const {
  if (layout_) {
    const std::string diff = layout_->difference(layout);
    if (!diff.empty()) throw Error("checkpoints for task '" + task + "' were flattened with another layout than the zoo's: " + diff);
  } else if (layout.balance().scale_A != manifest_.balance.scale_A || layout.balance().scale_B != manifest_.balance.scale_B) {
    throw Error("the layout's balance (" + balance_text(layout.balance()) + ") differs from the zoo's (" +
                balance_text(manifest_.balance) + ")");
  }
  const torch::Tensor& p = rows.params;
  if (!p.defined() || p.dim() != 2 || p.size(0) < 1 || p.size(1) != layout.dim() || !p.is_floating_point()) {
    std::ostringstream s;
    s << "checkpoints for task '" << task << "' must be a floating [N, " << layout.dim() << "] tensor with N >= 1, got "
      << (p.defined() ? p.sizes() : c10::IntArrayRef{});
    throw Error(s.str());
  }
  const int64_t n = p.size(0);
  if (!rows.sources.empty() && static_cast<int64_t>(rows.sources.size()) != n)
    throw Error("task '" + task + "': " + std::to_string(rows.sources.size()) + " sources for " + std::to_string(n) + " checkpoints");
  const torch::Tensor finite_rows = torch::isfinite(p).all(1);
  if (!finite_rows.all().item<bool>()) {
    const int64_t bad = (~finite_rows).nonzero()[0][0].item<int64_t>();
    const std::string source = rows.sources.empty() || rows.sources[bad].empty() ? "" : " (" + rows.sources[bad] + ")";
    throw Error("checkpoint " + std::to_string(bad) + source + " of task '" + task + "' has non-finite parameters");
  }
  const int64_t m = static_cast<int64_t>(rows.metric_names.size());
  std::set<std::string> names(rows.metric_names.begin(), rows.metric_names.end());
  if (static_cast<int64_t>(names.size()) != m) throw Error("task '" + task + "': a metric name is given twice");
  for (const auto& name : rows.metric_names)
    if (name.empty()) throw Error("task '" + task + "': a metric name is empty");
  if (m > 0 && (!rows.metrics.defined() || rows.metrics.dim() != 2 || rows.metrics.size(0) != n || rows.metrics.size(1) != m))
    throw Error("task '" + task + "': metrics must be [" + std::to_string(n) + ", " + std::to_string(m) + "]");
  if (m == 0 && rows.metrics.defined() && rows.metrics.numel() > 0)
    throw Error("task '" + task + "': metric values without metric names");
}

void Zoo::write_manifest(const ZooManifest& manifest) const {
  write_file_atomically(path_of(kZooManifestName), manifest_to_json(manifest).dump(2) + "\n");
}

void Zoo::add_task(const std::string& name, const TaskCondition& condition, const FlatCheckpoints& rows,
                   const ZooLayout& layout) {
  if (const std::string p = task_name_problem(name); !p.empty()) throw Error(p);
  if (has_task(name)) throw Error("zoo " + dir_ + " already has a task '" + name + "'; add checkpoints to it instead");
  if (condition.empty()) throw Error("task '" + name + "' needs a condition: a text description or style images");
  if (!condition.examples.empty() && condition.text.empty())
    throw Error("task '" + name + "': few-shot examples need a text description too");
  check_rows(name, rows, layout);
  std::error_code ec;
  for (const auto& im : condition.images)
    if (!fs::is_regular_file(im.source, ec)) throw FileError(im.source, "cannot read the condition image (no such file)");

  ZooManifest next = manifest_;
  ZooTaskEntry entry;
  entry.name = name;
  entry.file = "tasks/" + name + ".safetensors";
  entry.count = rows.count();
  entry.condition = condition;
  entry.sources = rows.sources.empty() ? std::vector<std::string>(entry.count) : rows.sources;
  entry.metric_names = rows.metric_names;
  std::vector<std::string> written;  // removed again if zoo.json is not updated
  try {
    make_directories(fs::path(dir_) / "tasks");
    if (!layout_) {  // zoo.json still says "no layout" until it is rewritten below
      write_file_atomically(path_of(kZooLayoutName), layout.to_json().dump(1) + "\n");
      next.has_layout = true;
      next.dim = layout.dim();
      next.layout_summary = layout.summary_json();
    }
    for (size_t i = 0; i < entry.condition.images.size(); ++i) {
      ConditionImage& im = entry.condition.images[i];
      const std::string rel = "images/" + name + "/" + std::to_string(i) + "_" +
                              safe_file_name(fs::path(im.source).filename().string());
      make_directories(fs::path(path_of(rel)).parent_path());
      write_file_atomically(path_of(rel), read_text_file(im.source));
      written.push_back(path_of(rel));
      im.file = rel;
    }
    write_task_file(path_of(entry.file), name, rows.params, rows.metrics);
    written.push_back(path_of(entry.file));
    next.tasks.push_back(entry);
    write_manifest(next);
  } catch (...) {
    for (const auto& w : written) fs::remove(w, ec);
    throw;
  }
  manifest_ = std::move(next);
  if (!layout_) layout_ = layout;
}

void Zoo::add_task(const std::string& name, const TaskCondition& condition, const std::vector<ZooCheckpoint>& checkpoints) {
  if (checkpoints.empty()) throw Error("task '" + name + "': no checkpoints to add");
  const ZooLayout layout = layout_for(checkpoints.front().adapter, checkpoints.front().source.empty()
                                                                       ? "checkpoint 0"
                                                                       : checkpoints.front().source);
  add_task(name, condition, flatten_checkpoints(layout, checkpoints), layout);
}

void Zoo::add_checkpoints(const std::string& name, const FlatCheckpoints& rows, const ZooLayout& layout) {
  const ZooTaskEntry& t = task(name);
  check_rows(name, rows, layout);
  const FlatCheckpoints old = task_checkpoints(name);  // views of the current file; valid after it is replaced
  const int64_t n_old = t.count, n_new = rows.count();

  ZooTaskEntry entry = t;
  entry.count = n_old + n_new;
  for (int64_t i = 0; i < n_new; ++i) entry.sources.push_back(rows.sources.empty() ? std::string() : rows.sources[i]);
  for (const auto& metric : rows.metric_names)
    if (std::find(entry.metric_names.begin(), entry.metric_names.end(), metric) == entry.metric_names.end())
      entry.metric_names.push_back(metric);
  torch::Tensor metrics;
  const int64_t m = static_cast<int64_t>(entry.metric_names.size());
  if (m > 0) {  // old columns first, new names appended: a reader of the old manifest still finds its columns
    metrics = torch::full({entry.count, m}, std::numeric_limits<float>::quiet_NaN(), torch::kFloat);
    if (old.metrics.defined()) metrics.narrow(0, 0, n_old).narrow(1, 0, old.metrics.size(1)).copy_(old.metrics);
    for (size_t j = 0; j < rows.metric_names.size(); ++j) {
      const auto col = std::find(entry.metric_names.begin(), entry.metric_names.end(), rows.metric_names[j]) -
                       entry.metric_names.begin();
      metrics.narrow(0, n_old, n_new).select(1, col).copy_(rows.metrics.select(1, static_cast<int64_t>(j)));
    }
  }
  const torch::Tensor params = torch::cat({old.params, rows.params.to(torch::kFloat)}, 0);

  ZooManifest next = manifest_;
  *next.find(name) = entry;
  const std::string file = path_of(t.file);
  write_task_file(file, name, params, metrics);
  try {
    write_manifest(next);
  } catch (...) {
    try {  // put the old content back; if even that fails, zoo.json's count still hides the new rows
      write_task_file(file, name, old.params, old.metrics);
    } catch (...) {
    }
    throw;
  }
  manifest_ = std::move(next);
}

void Zoo::add_checkpoints(const std::string& name, const std::vector<ZooCheckpoint>& checkpoints) {
  if (checkpoints.empty()) throw Error("task '" + name + "': no checkpoints to add");
  task(name);  // Error naming the task before anything else
  add_checkpoints(name, flatten_checkpoints(layout(), checkpoints), layout());
}

nlohmann::json Zoo::summary() const {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : manifest_.tasks)
    tasks.push_back({{"name", t.name},
                     {"count", t.count},
                     {"condition", condition_to_json(t.condition)},
                     {"metrics", t.metric_names},
                     {"sources", t.sources}});
  return {{"dir", dir_},
          {"version", manifest_.version},
          {"dim", manifest_.dim},
          {"task_count", manifest_.tasks.size()},
          {"checkpoint_count", checkpoint_count()},
          {"layout", layout_ ? layout_->summary_json() : nlohmann::json()},
          {"tasks", tasks},
          {"warnings", warnings_}};
}

}  // namespace lorastudio
