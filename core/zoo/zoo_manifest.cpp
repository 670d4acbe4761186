#include "core/zoo/zoo_manifest.h"

#include <set>

#include "core/util/error.h"
#include "core/util/json_reader.h"

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
  const JsonReader r(j, label, where);
  TaskCondition c;
  c.text = r.string_at("text");
  c.examples = r.strings_at("examples");
  const nlohmann::json& images = r.at("images");
  if (!images.is_array()) r.fail("images", "expected an array");
  for (size_t i = 0; i < images.size(); ++i) {
    const JsonReader im(images[i], label, r.key_path("images[" + std::to_string(i) + "]"));
    ConditionImage image{im.string_at("source"), im.string_at("file")};
    if (!is_inside_path(image.file)) im.fail("file", "must be a path inside the zoo, got \"" + image.file + "\"");
    c.images.push_back(std::move(image));
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

namespace {

ZooTaskEntry task_entry_from_json(const JsonReader& t) {
  ZooTaskEntry e;
  e.name = t.string_at("name");
  if (const std::string p = task_name_problem(e.name); !p.empty()) t.fail("name", p);
  e.file = t.string_at("file");
  if (e.file != "tasks/" + e.name + ".safetensors")
    t.fail("file", "must be \"tasks/" + e.name + ".safetensors\", got \"" + e.file + "\"");
  e.count = t.int_at("count", 1, INT64_MAX);
  e.condition = condition_from_json(t.at("condition"), t.label(), t.key_path("condition"));
  e.sources = t.strings_at("sources");
  if (static_cast<int64_t>(e.sources.size()) != e.count)
    t.fail("sources", std::to_string(e.sources.size()) + " sources for " + std::to_string(e.count) + " checkpoints");
  e.metric_names = t.strings_at("metrics");
  const std::set<std::string> metric_set(e.metric_names.begin(), e.metric_names.end());
  if (metric_set.size() != e.metric_names.size()) t.fail("metrics", "a metric name is listed twice");
  return e;
}

}  // namespace

ZooManifest manifest_from_json(const nlohmann::json& j, const std::string& label) {
  const JsonReader r(j, label);
  std::string format;
  if (r.has("format") && r.at("format").is_string()) format = r.string_at("format");
  if (format != kZooFormat)
    throw FileError(label, std::string("is not a LoRA zoo manifest (\"format\" is not \"") + kZooFormat + "\")");
  ZooManifest m;
  m.version = static_cast<int>(r.int_at("version", 0, INT32_MAX));
  if (m.version < 1 || m.version > kZooVersion)
    throw FileError(label, "zoo version " + std::to_string(m.version) + " is not supported (this LoRA Studio reads 1.." +
                               std::to_string(kZooVersion) + ")");
  m.dim = r.int_at("dim", 0, INT64_MAX);
  const JsonReader balance(r.at("balance"), label, "balance");
  m.balance.scale_A = balance.double_at("scale_A", -1e12, 1e12);
  m.balance.scale_B = balance.double_at("scale_B", -1e12, 1e12);
  const nlohmann::json& layout = r.at("layout");
  if (!layout.is_null() && layout != kZooLayoutName) r.fail("layout", std::string("must be \"") + kZooLayoutName + "\" or null");
  m.has_layout = !layout.is_null();
  if (r.has("layout_summary")) m.layout_summary = r.at("layout_summary");
  const nlohmann::json& tasks = r.at("tasks");
  if (!tasks.is_array()) r.fail("tasks", "expected an array");
  if (!tasks.empty() && !m.has_layout) throw FileError(label, "lists tasks but no layout");
  std::set<std::string> names;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const JsonReader t(tasks[i], label, "tasks[" + std::to_string(i) + "]");
    ZooTaskEntry e = task_entry_from_json(t);
    if (!names.insert(e.name).second) t.fail("name", "task \"" + e.name + "\" is listed twice");
    m.tasks.push_back(std::move(e));
  }
  return m;
}

}  // namespace lorastudio
