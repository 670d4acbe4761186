#include "app/cli/text_demo_answers.h"

#include <algorithm>
#include <iostream>

#include "app/cli/cli_output.h"

namespace lorastudio::cli {

namespace {

std::string percent(double v) { return format_double(100 * v, 3) + "%"; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Each adapter's test accuracy on the task, printed with the base model's.
nlohmann::json task_accuracy(textworld::YesNoModel& model, const std::vector<LoraAdapter>& adapters,
                             const wordnet::WordNetTask& task) {
  const double base = textworld::split_accuracy(model, task.test, nullptr);
  const std::vector<double> accuracy = textworld::split_accuracies(model, task.test, adapters);
  std::cout << "task \"" << task.name << "\"" << (task.held_out ? " (held out: the generator never saw it)" : "")
            << ", test accuracy over " << task.test.size() << " definitions: base " << percent(base) << "; adapters";
  for (double v : accuracy) std::cout << " " << percent(v);
  std::cout << "\n";
  return {{"task", task.name}, {"held_out", task.held_out}, {"base_test_accuracy", base}, {"test_accuracy", accuracy}};
}

}  // namespace

nlohmann::json text_demo_answers(const textworld::TextDemo& demo, const std::vector<LoraAdapter>& adapters,
                                 const wordnet::WordNetTask* task, const std::vector<std::string>& definitions) {
  textworld::YesNoModel model = demo.base();
  nlohmann::json report = nlohmann::json::object();
  if (task) report["task"] = task_accuracy(model, adapters, *task);
  else std::cout << "the description matches no task of the suite: the adapters are new; their answers:\n";
  std::vector<wordnet::LabelledText> items;
  for (const auto& d : definitions) items.push_back({d, -1});
  if (items.empty() && task)
    for (size_t i = 0; i < task->test.size() && items.size() < 6; ++i) items.push_back(task->test[i]);
  if (items.empty()) {  // other tasks' definitions: their truth is for those tasks, not for this description
    items = demo.sample_definitions(6);
    for (auto& e : items) e.label = -1;
  }
  std::vector<std::string> texts;
  for (const auto& e : items) texts.push_back(e.text);
  const std::vector<double> base = textworld::answers_with(model, nullptr, texts);
  std::vector<std::vector<double>> per_adapter;
  for (const auto& a : adapters) per_adapter.push_back(textworld::answers_with(model, &a, texts));
  nlohmann::json rows = nlohmann::json::array();
  std::cout << "P(yes): base | adapters (median, how many say yes) | definition\n";
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<double> p;
    for (const auto& v : per_adapter) p.push_back(v[i]);
    const auto yes = std::count_if(p.begin(), p.end(), [](double v) { return v > 0.5; });
    std::cout << "  " << format_double(base[i], 2) << " | " << format_double(median(p), 2) << ", " << yes << "/" << p.size()
              << (items[i].label < 0 ? "" : items[i].label ? " (truth: yes)" : " (truth: no)") << " | " << texts[i] << "\n";
    rows.push_back({{"definition", texts[i]}, {"truth", items[i].label < 0 ? nlohmann::json() : nlohmann::json(items[i].label)},
                    {"base_yes", base[i]}, {"adapters_yes", p}});
  }
  report["answers"] = rows;
  return report;
}

}  // namespace lorastudio::cli
