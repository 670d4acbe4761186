#pragma once
// A task suite as one JSON file (tasks.json in a harvest folder and in the text demo bundle), so that what was
// harvested is evaluated, and the demo answers, without WordNet: every task's name, category, descriptions, unseen
// paraphrase, splits, held-out flag and relative, plus the options that built it.
#include <string>

#include <nlohmann/json.hpp>

#include "core/wordnet/wordnet_task_suite.h"

namespace lorastudio::wordnet {

nlohmann::json task_suite_to_json(const TaskSuite& suite);
TaskSuite task_suite_from_json(const nlohmann::json& j, const std::string& label);  // FileError(label, …)

void save_task_suite(const std::string& path, const TaskSuite& suite);  // atomically
TaskSuite load_task_suite(const std::string& path);                     // FileError naming the file

// The task named `name`, or null.
const WordNetTask* find_task(const TaskSuite& suite, const std::string& name);

}  // namespace lorastudio::wordnet
