#include "core/textworld/text_evaluation.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>

#include "core/generator/memorization_report.h"
#include "core/generator/unseen_guidance.h"
#include "core/math/lora_mixing.h"
#include "core/models/model_adapters.h"
#include "core/textworld/text_zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/wordnet/task_suite_file.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/task_soup.h"
#include "core/zoo/zoo.h"

namespace lorastudio::textworld {

namespace {

// What every task's evaluation shares: the model, the zoos, the training conditions' features, the all-task soup.
struct Shared {
  YesNoModel& model;
  const TextZooPlan& plan;
  const Zoo& zoo;
  const Zoo* held_zoo;
  ConditionalGenerator& generator;
  const TextEvaluationOptions& options;
  std::vector<std::string> training;  // the zoo's tasks
  torch::Tensor features;             // [tasks, dim] unit rows: their conditions, encoded
  LoraAdapter all_task_soup;
  torch::Tensor checkpoints;          // [all checkpoints, D] float64, every training task's in zoo order
  torch::Tensor owner;                // [all checkpoints] int64: the index in `training` of each one's task
  int64_t reports_left = 0;           // full memorisation reports still to make
};

void load_checkpoints(Shared& s) {
  std::vector<torch::Tensor> rows, owners;
  for (size_t i = 0; i < s.training.size(); ++i) {
    const torch::Tensor p = s.zoo.task_params(s.training[i]);
    rows.push_back(p.to(torch::kDouble));
    owners.push_back(torch::full({p.size(0)}, static_cast<int64_t>(i), torch::kLong));
  }
  s.checkpoints = torch::cat(rows);
  s.owner = torch::cat(owners);
}

// The training task of each generated sample's nearest checkpoint in ΔW space.
std::vector<std::string> nearest_tasks(Shared& s, const torch::Tensor& generated) {
  const torch::Tensor nearest = delta_distances(s.zoo.layout(), generated.to(torch::kDouble), s.checkpoints).argmin(1);
  const torch::Tensor owners = s.owner.index_select(0, nearest);
  std::vector<std::string> out;
  for (int64_t i = 0; i < owners.size(0); ++i) out.push_back(s.training[static_cast<size_t>(owners[i].item<int64_t>())]);
  return out;
}

void nearest_figures(Shared& s, const torch::Tensor& generated, const std::string& own, TextTaskResult& r) {
  const std::vector<std::string> nearest = nearest_tasks(s, generated);
  std::map<std::string, int> votes;
  for (const auto& t : nearest) ++votes[t];
  r.nearest_zoo_task = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  if (!own.empty()) r.own_task_fraction = static_cast<double>(votes[own]) / static_cast<double>(nearest.size());
}

double accuracy_with(Shared& s, const LoraAdapter* adapter, const YesNoTexts& split) {
  if (!adapter) return s.model.accuracy(split);
  models::AttachedAdapter attached(*s.model.module(), *adapter, models::AdapterMode::Merged);
  return s.model.accuracy(split);
}

ConditionInput input_of(const TaskCondition& c) {
  ConditionInput in;
  in.text = c.text;
  in.examples = c.examples;
  return in;
}

torch::Tensor encode_conditions(ConditionalGenerator& g, const std::vector<ConditionInput>& inputs) {
  torch::NoGradGuard no_grad;
  return torch::nn::functional::normalize(g.condition_encoder->encode(inputs).to(torch::kCPU, torch::kFloat),
                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
}

// `seen`: the condition is a training task's (its guidance), else a held-out task's (the unseen guidance).
GenerateOptions options_for(const Shared& s, const std::string& task, bool seen) {
  GenerateOptions go = sampling_for_condition(s.options.generate, s.options.unseen_guidance, seen);
  go.count = s.options.samples;
  go.task = task;
  return go;
}

GeneratedAdapters generate_for(Shared& s, const TaskCondition& condition, const std::string& task, bool seen) {
  return generate_adapters(s.generator, input_of(condition), options_for(s, task, seen));
}

// Scores every generated adapter on the training sample and the test split; returns the index of the best by the
// training sample.
size_t score_generated(Shared& s, const GeneratedAdapters& g, const TextTaskData& d, std::vector<double>& train,
                       std::vector<double>& test) {
  size_t best = 0;
  for (size_t i = 0; i < g.adapters.size(); ++i) {
    train.push_back(accuracy_with(s, &g.adapters[i], d.sample));
    test.push_back(accuracy_with(s, &g.adapters[i], d.test));
    if (train[i] > train[best]) best = i;
  }
  return best;
}

// Best of N by this task's training sample, its test accuracy.
double best_of(Shared& s, const GeneratedAdapters& g, const TextTaskData& d) {
  std::vector<double> train, test;
  return test[score_generated(s, g, d, train, test)];
}

LoraAdapter best_checkpoint(const Zoo& zoo, const std::string& task) {
  int64_t row = best_checkpoint_row(zoo, task, "dev_accuracy");
  if (row < 0) row = zoo.count(task) - 1;
  return zoo.layout().unflatten(zoo.task_params(task)[row]);
}

std::string nearest_training_task(Shared& s, const TaskCondition& condition) {
  const torch::Tensor f = encode_conditions(s.generator, {input_of(condition)});
  return s.training[static_cast<size_t>(s.features.matmul(f.squeeze(0)).argmax().item<int64_t>())];
}

void evaluate_generated(Shared& s, const TaskCondition& condition, const std::string& stats_task, const TextTaskData& d,
                        TextTaskResult& r, torch::Tensor* params) {
  const GenerateOptions go = options_for(s, stats_task, !r.held_out);
  r.guidance = go.guidance;
  const GeneratedAdapters g = generate_adapters(s.generator, input_of(condition), go);
  const size_t best = score_generated(s, g, d, r.generated_train, r.generated_test);
  r.test[TextMethod::GeneratedBest] = r.generated_test[best];
  double mean = 0;
  for (double v : r.generated_test) mean += v / static_cast<double>(r.generated_test.size());
  r.test[TextMethod::GeneratedMean] = mean;
  if (params) *params = g.params;
}

TextTaskResult evaluate_task(Shared& s, const wordnet::WordNetTask& task, size_t index) {
  const auto start = std::chrono::steady_clock::now();
  const TextTaskData d = encode_task(s.model, task, s.plan);
  TextTaskResult r;
  r.task = task.name;
  r.held_out = task.held_out;
  r.relative = task.relative;
  r.samples = s.options.samples;
  r.test[TextMethod::Base] = accuracy_with(s, nullptr, d.test);
  const std::string key = zoo_task_name(task.name);
  const TaskCondition condition = task.held_out ? text_task_condition(task, index) : s.zoo.condition(key);
  if (!task.held_out) {
    const LoraAdapter best = best_checkpoint(s.zoo, key), soup = task_soup(s.zoo, key);
    r.test[TextMethod::BestOriginal] = accuracy_with(s, &best, d.test);
    r.test[TextMethod::Soup] = accuracy_with(s, &soup, d.test);
    torch::Tensor params;
    evaluate_generated(s, condition, key, d, r, &params);
    nearest_figures(s, params, key, r);
    if (s.reports_left-- > 0) r.memorization = to_json(memorization_report(s.zoo, key, params, false));
  } else {
    r.nearest_task = nearest_training_task(s, condition);
    const LoraAdapter nearest = best_checkpoint(s.zoo, r.nearest_task);
    r.test[TextMethod::NearestDescription] = accuracy_with(s, &nearest, d.test);
    r.test[TextMethod::AllTaskSoup] = accuracy_with(s, &s.all_task_soup, d.test);
    if (s.held_zoo && s.held_zoo->has_task(key)) {
      const LoraAdapter oracle = best_checkpoint(*s.held_zoo, key);
      r.test[TextMethod::Oracle] = accuracy_with(s, &oracle, d.test);
    }
    torch::Tensor params;
    evaluate_generated(s, condition, "", d, r, &params);
    nearest_figures(s, params, "", r);
  }
  const auto self = std::find(s.training.begin(), s.training.end(), key);
  r.control_task = s.training[(static_cast<size_t>(self - s.training.begin()) + 1 + index) % s.training.size()];
  if (r.control_task == key) r.control_task = s.training[(index + 1) % s.training.size()];
  r.test[TextMethod::ShuffledDescription] = best_of(s, generate_for(s, s.zoo.condition(r.control_task), "", true), d);
  TaskCondition unseen = condition;
  unseen.text = task.unseen_paraphrase;
  r.test[TextMethod::UnseenParaphrase] = best_of(s, generate_for(s, unseen, "", !task.held_out), d);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// The tasks finished by an earlier, interrupted run; a line cut off by the interruption is dropped from the file.
std::map<std::string, TextTaskResult> read_finished(const std::string& path) {
  std::map<std::string, TextTaskResult> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string kept;
  bool dropped = false;
  for (std::string line; std::getline(in, line);) {
    try {
      TextTaskResult r = TextTaskResult::from_json(nlohmann::json::parse(line));
      out[r.task] = std::move(r);
      kept += line + "\n";
    } catch (const std::exception&) {
      dropped = true;
    }
  }
  if (dropped) write_file_atomically(path, kept);
  return out;
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  if (!out.flush()) throw FileError(path, "cannot be written");
}

LoraAdapter all_task_soup(const Zoo& zoo) {
  std::vector<LoraAdapter> soups;
  for (const auto& t : zoo.tasks()) soups.push_back(task_soup(zoo, t));
  std::vector<const LoraAdapter*> pointers;
  for (const auto& a : soups) pointers.push_back(&a);
  return delta_soup(pointers, 0).adapter;
}

}  // namespace

TextEvaluation evaluate_text_world(const std::string& harvest_dir, ConditionalGenerator& generator,
                                   const TextEvaluationOptions& options, const std::string& model_dir,
                                   const TextEvaluationProgress& progress) {
  TextZooPlan plan = read_text_plan(harvest_dir);
  if (!model_dir.empty()) plan.model_dir = model_dir;
  const wordnet::TaskSuite suite = wordnet::load_task_suite(text_suite_path(harvest_dir));
  const Zoo zoo = Zoo::open(text_zoo_dir(harvest_dir));
  std::optional<Zoo> held;
  if (Zoo::exists(text_held_out_zoo_dir(harvest_dir))) held = Zoo::open(text_held_out_zoo_dir(harvest_dir));
  YesNoModel model = YesNoModel::load(plan.model_dir);
  model.module()->to(torch::Device(options.device));
  Shared s{model, plan, zoo, held ? &*held : nullptr, generator, options, zoo.tasks(), {}, all_task_soup(zoo)};
  if (s.training.empty()) throw Error(text_zoo_dir(harvest_dir) + ": the zoo has no tasks");
  std::vector<ConditionInput> inputs;
  for (const auto& t : s.training) inputs.push_back(input_of(zoo.condition(t)));
  s.features = encode_conditions(generator, inputs);
  load_checkpoints(s);
  s.reports_left = options.memorization_tasks;
  std::map<std::string, TextTaskResult> finished = read_finished(options.partial_path);
  std::vector<size_t> order;
  for (size_t i = 0; i < suite.tasks.size(); ++i) {
    const auto& t = suite.tasks[i];
    const bool wanted = options.tasks.empty() || std::find(options.tasks.begin(), options.tasks.end(), t.name) != options.tasks.end();
    if (wanted && (t.held_out || zoo.has_task(zoo_task_name(t.name)))) order.push_back(i);
  }
  TextEvaluation ev;
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& task = suite.tasks[order[k]];
    if (progress && !progress(static_cast<int>(k), static_cast<int>(order.size()), task.name)) {
      ev.cancelled = true;
      break;
    }
    const auto done = finished.find(task.name);
    if (done != finished.end()) {
      if (!task.held_out && done->second.memorization.is_object()) --s.reports_left;
      ev.tasks.push_back(done->second);
      continue;
    }
    ev.tasks.push_back(evaluate_task(s, task, order[k]));
    if (!options.partial_path.empty()) append_line(options.partial_path, ev.tasks.back().to_json().dump());
  }
  return ev;
}

}  // namespace lorastudio::textworld
