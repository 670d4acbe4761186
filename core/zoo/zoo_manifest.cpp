#include "core/zoo/zoo_manifest.h"

#include <set>

#include "core/util/error.h"
#include "core/util/json_fields.h"

namespace lorastudio {
namespace {

constexpr const char* kZooFormat = "lorastudio-zoo";


}  // namespace

bool is_inside_path(const std::string& p) {
  if (p.empty() || p.front() == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    const std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}


TaskCondition TaskCondition::from_text(std::string text, std::vector<std::string> examples) {
  TaskCondition c;
  c.text = std::move(text);
  c.examples = std::move(examples);
  return c;
}

TaskCondition TaskCondition::from_images(const std::vector<std::string>& image_paths) {
  TaskCondition c;
  for (const auto& p : image_paths) c.images.push_back({p, ""});
  return c;
}

bool TaskCondition::same_as(const TaskCondition& other) const {
  if (text != other.text || examples != other.examples || images.size() != other.images.size()) return false;
  for (size_t i = 0; i < images.size(); ++i)
    if (images[i].source != other.images[i].source) return false;
  return true;
}

const ZooTaskEntry* ZooManifest::find(const std::string& name) const {
  for (const auto& t : tasks)
    if (t.name == name) return &t;
  return nullptr;
}

ZooTaskEntry* ZooManifest::find(const std::string& name) {
  for (auto& t : tasks)
    if (t.name == name) return &t;
  return nullptr;
}

std::string task_name_problem(const std::string& name) {
  if (name.empty()) return "a task name cannot be empty";
  if (name.size() > 100) return "task name is longer than 100 characters";
  if (name.front() == '.') return "task name '" + name + "' starts with '.'";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return "task name '" + name + "' may hold only letters, digits, '.', '_' and '-' (it names a file)";
  }
  return {};
}

nlohmann::json condition_to_json(const TaskCondition& condition) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& im : condition.images) images.push_back({{"source", im.source}, {"file", im.file}});
  return {{"text", condition.text}, {"examples", condition.examples}, {"images", images}};
}

TaskCondition condition_from_json(const nlohmann::json& j, const std::string& label, const std::string& where) {
  TaskCondition c;
  c.text = json_field<std::string>(j, "text", label, where);
  c.examples = json_field<std::vector<std::string>>(j, "examples", label, where);
  const auto images = json_field<nlohmann::json>(j, "images", label, where);
  if (!images.is_array()) throw FileError(label, where + ": \"images\" is not an array");
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string w = where + " image " + std::to_string(i);
    ConditionImage im{json_field<std::string>(images[i], "source", label, w), json_field<std::string>(images[i], "file", label, w)};
    if (!is_inside_path(im.file)) throw FileError(label, w + ": \"file\" must be a path inside the zoo, got \"" + im.file + "\"");
    c.images.push_back(std::move(im));
  }
  return c;
}

nlohmann::json manifest_to_json(const ZooManifest& m) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : m.tasks)
    tasks.push_back({{"name", t.name},
                     {"file", t.file},
                     {"count", t.count},
                     {"condition", condition_to_json(t.condition)},
                     {"sources", t.sources},
                     {"metrics", t.metric_names}});
  return {{"format", kZooFormat},
          {"version", m.version},
          {"dim", m.dim},
          {"balance", {{"scale_A", m.balance.scale_A}, {"scale_B", m.balance.scale_B}}},
          {"layout", m.has_layout ? nlohmann::json(kZooLayoutName) : nlohmann::json()},
          {"layout_summary", m.layout_summary},
          {"tasks", tasks}};
}

ZooManifest manifest_from_json(const nlohmann::json& j, const std::string& label) {
  if (!j.is_object()) throw FileError(label, "is not a JSON object");
  if (j.value("format", std::string()) != kZooFormat)
    throw FileError(label, std::string("is not a LoRA zoo manifest (\"format\" is not \"") + kZooFormat + "\")");
  ZooManifest m;
  m.version = json_field<int>(j, "version", label, "manifest");
  if (m.version < 1 || m.version > kZooVersion)
    throw FileError(label, "zoo version " + std::to_string(m.version) + " is not supported (this LoRA Studio reads 1.." +
                               std::to_string(kZooVersion) + ")");
  m.dim = json_field<int64_t>(j, "dim", label, "manifest");
  if (m.dim < 0) throw FileError(label, "\"dim\" is negative");
  const auto balance = json_field<nlohmann::json>(j, "balance", label, "manifest");
  m.balance.scale_A = json_field<double>(balance, "scale_A", label, "balance");
  m.balance.scale_B = json_field<double>(balance, "scale_B", label, "balance");
  const auto layout = json_field<nlohmann::json>(j, "layout", label, "manifest");
  if (!layout.is_null() && layout != kZooLayoutName)
    throw FileError(label, std::string("\"layout\" must be \"") + kZooLayoutName + "\" or null");
  m.has_layout = !layout.is_null();
  m.layout_summary = j.value("layout_summary", nlohmann::json());
  const auto tasks = json_field<nlohmann::json>(j, "tasks", label, "manifest");
  if (!tasks.is_array()) throw FileError(label, "\"tasks\" is not an array");
  if (!tasks.empty() && !m.has_layout) throw FileError(label, "lists tasks but no layout");
  std::set<std::string> names;
  for (size_t i = 0; i < tasks.size(); ++i) {
    std::string where = "task " + std::to_string(i);
    ZooTaskEntry t;
    t.name = json_field<std::string>(tasks[i], "name", label, where);
    where += " (" + t.name + ")";
    if (const std::string p = task_name_problem(t.name); !p.empty()) throw FileError(label, where + ": " + p);
    if (!names.insert(t.name).second) throw FileError(label, where + " is listed twice");
    t.file = json_field<std::string>(tasks[i], "file", label, where);
    if (t.file != "tasks/" + t.name + ".safetensors")
      throw FileError(label, where + ": \"file\" must be \"tasks/" + t.name + ".safetensors\", got \"" + t.file + "\"");
    t.count = json_field<int64_t>(tasks[i], "count", label, where);
    if (t.count < 1) throw FileError(label, where + ": \"count\" must be at least 1");
    t.condition = condition_from_json(json_field<nlohmann::json>(tasks[i], "condition", label, where), label, where + " condition");
    t.sources = json_field<std::vector<std::string>>(tasks[i], "sources", label, where);
    if (static_cast<int64_t>(t.sources.size()) != t.count)
      throw FileError(label, where + ": " + std::to_string(t.sources.size()) + " sources for " + std::to_string(t.count) +
                                 " checkpoints");
    t.metric_names = json_field<std::vector<std::string>>(tasks[i], "metrics", label, where);
    std::set<std::string> metric_set(t.metric_names.begin(), t.metric_names.end());
    if (metric_set.size() != t.metric_names.size()) throw FileError(label, where + ": a metric name is listed twice");
    m.tasks.push_back(std::move(t));
  }
  return m;
}

}  // namespace lorastudio
