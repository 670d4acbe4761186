#include "core/wordnet/task_suite_file.h"

#include <filesystem>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio::wordnet {

namespace {

nlohmann::json split_to_json(const std::vector<LabelledText>& split) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : split) out.push_back({e.text, e.label});
  return out;
}

std::vector<LabelledText> split_from_json(const nlohmann::json& j, const std::string& label) {
  if (!j.is_array()) throw FileError(label, "is not a list of [text, label] pairs");
  std::vector<LabelledText> out;
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number_integer())
      throw FileError(label, "holds an entry that is not a [text, 0 or 1] pair");
    out.push_back({e[0].get<std::string>(), e[1].get<int>()});
  }
  return out;
}

nlohmann::json options_to_json(const TaskSuiteOptions& o) {
  return {{"min_members", o.min_members}, {"max_members", o.max_members}, {"max_tasks", o.max_tasks},
          {"held_out", o.held_out}, {"max_examples", o.max_examples}, {"dev_fraction", o.dev_fraction},
          {"test_fraction", o.test_fraction}, {"seed", o.seed}};
}

TaskSuiteOptions options_from_json(const JsonReader& r) {
  TaskSuiteOptions o;
  r.read("min_members", o.min_members, 1, INT64_MAX);
  r.read("max_members", o.max_members, 1, INT64_MAX);
  r.read("max_tasks", o.max_tasks, 1, INT64_MAX);
  r.read("held_out", o.held_out, 0, INT64_MAX);
  r.read("max_examples", o.max_examples, 1, INT64_MAX);
  r.read("dev_fraction", o.dev_fraction, 0.0, 1.0);
  r.read("test_fraction", o.test_fraction, 0.0, 1.0);
  r.read("seed", o.seed);
  return o;
}

}  // namespace

nlohmann::json task_suite_to_json(const TaskSuite& suite) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const WordNetTask& t : suite.tasks) {
    tasks.push_back({{"name", t.name}, {"category", t.category}, {"category_definition", t.category_definition},
                     {"descriptions", t.descriptions}, {"unseen_paraphrase", t.unseen_paraphrase},
                     {"held_out", t.held_out}, {"relative", t.relative}, {"train", split_to_json(t.train)},
                     {"dev", split_to_json(t.dev)}, {"test", split_to_json(t.test)}});
  }
  return {{"format", "lora-studio-task-suite"}, {"options", options_to_json(suite.options)}, {"tasks", tasks}};
}

TaskSuite task_suite_from_json(const nlohmann::json& j, const std::string& label) {
  JsonReader r(j, label);
  if (!j.contains("format") || j["format"] != "lora-studio-task-suite")
    throw FileError(label, "is not a task suite (\"format\": \"lora-studio-task-suite\" expected)");
  TaskSuite suite;
  suite.options = options_from_json(r.child("options"));
  const nlohmann::json& tasks = r.at("tasks");
  if (!tasks.is_array() || tasks.empty()) throw FileError(label, "has no tasks");
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::string where = label + ": tasks[" + std::to_string(i) + "]";
    JsonReader t(tasks[i], where);
    WordNetTask task;
    task.name = t.string_at("name");
    task.category = static_cast<uint32_t>(t.int_at("category", 0, UINT32_MAX));
    t.read("category_definition", task.category_definition);
    task.descriptions = t.strings_at("descriptions");
    if (task.descriptions.empty()) throw FileError(where, "has no descriptions");
    t.read("unseen_paraphrase", task.unseen_paraphrase);
    task.held_out = t.bool_at("held_out");
    t.read("relative", task.relative);
    task.train = split_from_json(t.at("train"), where + ".train");
    task.dev = split_from_json(t.at("dev"), where + ".dev");
    task.test = split_from_json(t.at("test"), where + ".test");
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

void save_task_suite(const std::string& path, const TaskSuite& suite) {
  write_file_atomically(path, task_suite_to_json(suite).dump() + "\n");
}

TaskSuite load_task_suite(const std::string& path) {
  if (!std::filesystem::exists(path)) throw FileError(path, "does not exist: no task suite there");
  return task_suite_from_json(parse_json(read_text_file(path), path), path);
}

const WordNetTask* find_task(const TaskSuite& suite, const std::string& name) {
  for (const auto& t : suite.tasks)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace lorastudio::wordnet
