#include "core/glue/glue_evaluation.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/generator/memorization_report.h"
#include "core/models/model_adapters.h"
#include "core/util/error.h"
#include "core/zoo/task_soup.h"
#include "core/zoo/zoo.h"

namespace lorastudio::glue {

namespace {

constexpr const char* kNames[] = {"head only (no LoRA)", "original (best checkpoint)", "ΔW soup",
                                  "generated (best of N)", "generated (mean of N)", "wrong condition (control)"};
constexpr const char* kKeys[] = {"head_only", "best_original", "soup", "generated_best", "generated_mean",
                                 "wrong_condition"};

struct TaskContext {
  models::BertClassifier& classifier;
  const GlueTaskData& data;
  std::map<std::string, torch::Tensor> head;
};

std::map<std::string, double> score_with(TaskContext& c, const LoraAdapter* adapter, const EncodedSplit& split) {
  LoraAdapter with_head = adapter ? *adapter : LoraAdapter{};
  with_head.saved_modules = c.head;
  models::AttachedAdapter attached(*c.classifier, with_head, models::AdapterMode::Merged);
  return score_classifier(c.classifier, split);
}

// The row with the best dev main metric ("dev_<metric>"), else the best train_score, else the last.
int64_t best_row(const Zoo& zoo, const std::string& task, const std::string& metric) {
  for (const std::string& column : {"dev_" + metric, std::string("train_score")}) {
    const int64_t row = best_checkpoint_row(zoo, task, column);
    if (row >= 0) return row;
  }
  return zoo.count(task) - 1;
}

GeneratedAdapters generate_for(ConditionalGenerator& g, const TaskCondition& condition, const GlueEvaluationOptions& o) {
  ConditionInput in;
  in.text = condition.text;
  in.examples = condition.examples;
  GenerateOptions go = o.generate;
  go.count = o.samples;
  return generate_adapters(g, in, go);
}

// Best of the generated adapters by the training sample; returns its dev metrics, fills the per-adapter scores.
std::map<std::string, double> best_of(TaskContext& c, const GeneratedAdapters& g, std::vector<double>* train,
                                      std::vector<std::map<std::string, double>>* dev_all) {
  const GlueTask task = c.data.train.split.task;
  size_t best = 0;
  std::vector<double> scores;
  for (size_t i = 0; i < g.adapters.size(); ++i) {
    scores.push_back(main_metric(task, score_with(c, &g.adapters[i], c.data.sample)));
    if (scores[i] > scores[best]) best = i;
  }
  if (train) *train = scores;
  if (!dev_all) return score_with(c, &g.adapters[best], c.data.dev);
  for (const auto& a : g.adapters) dev_all->push_back(score_with(c, &a, c.data.dev));
  return (*dev_all)[best];
}

std::map<std::string, double> mean_of(const std::vector<std::map<std::string, double>>& all) {
  std::map<std::string, double> m;
  for (const auto& s : all)
    for (const auto& [k, v] : s) m[k] += v / static_cast<double>(all.size());
  return m;
}

GlueTaskResult evaluate_task(const Zoo& zoo, ConditionalGenerator& generator, TaskContext& c, const std::string& control,
                             const GlueEvaluationOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const GlueTask task = c.data.train.split.task;
  GlueTaskResult r;
  r.task = to_string(task);
  r.metric = glue_task_info(task).metrics.front();
  r.samples = o.samples;
  r.control_task = control;
  r.dev[GlueMethod::HeadOnly] = score_with(c, nullptr, c.data.dev);
  const LoraAdapter best = zoo.layout().unflatten(zoo.task_params(r.task)[best_row(zoo, r.task, r.metric)]);
  r.dev[GlueMethod::BestOriginal] = score_with(c, &best, c.data.dev);
  const LoraAdapter soup = task_soup(zoo, r.task);
  r.dev[GlueMethod::Soup] = score_with(c, &soup, c.data.dev);
  const GeneratedAdapters g = generate_for(generator, zoo.condition(r.task), o);
  std::vector<std::map<std::string, double>> dev_all;
  r.dev[GlueMethod::GeneratedBest] = best_of(c, g, &r.generated_train, &dev_all);
  r.dev[GlueMethod::GeneratedMean] = mean_of(dev_all);
  for (const auto& d : dev_all) r.generated_dev.push_back(main_metric(task, d));
  if (!control.empty()) r.dev[GlueMethod::WrongCondition] = best_of(c, generate_for(generator, zoo.condition(control), o), nullptr, nullptr);
  r.memorization = to_json(memorization_report(zoo, r.task, g.params, false));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::string cell(double v) {
  if (!std::isfinite(v)) return "–";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * v;
  return s.str();
}

}  // namespace

const char* glue_method_name(GlueMethod m) { return kNames[static_cast<int>(m)]; }
const char* glue_method_key(GlueMethod m) { return kKeys[static_cast<int>(m)]; }

double GlueEvaluation::main(const GlueTaskResult& r, GlueMethod m) const {
  const auto it = r.dev.find(m);
  if (it == r.dev.end()) return NAN;
  const auto v = it->second.find(r.metric);
  return v == it->second.end() ? NAN : v->second;
}

double GlueEvaluation::mean(GlueMethod m) const {
  double sum = 0;
  int n = 0;
  for (const auto& r : tasks) {
    const double v = main(r, m);
    if (std::isfinite(v)) sum += v, ++n;
  }
  return n ? sum / n : NAN;
}

nlohmann::json GlueEvaluation::to_json() const {
  nlohmann::json j = {{"tasks", nlohmann::json::array()}, {"mean", nlohmann::json::object()}, {"cancelled", cancelled}};
  for (const auto& r : tasks) {
    nlohmann::json t = {{"task", r.task}, {"metric", r.metric}, {"samples", r.samples}, {"control_task", r.control_task},
                        {"generated_train", r.generated_train}, {"generated_dev", r.generated_dev},
                        {"memorization", r.memorization}, {"seconds", r.seconds}};
    for (const auto& [m, metrics] : r.dev) t["dev"][glue_method_key(m)] = metrics;
    j["tasks"].push_back(t);
  }
  for (int m = 0; m < kGlueMethodCount; ++m) {
    const double v = mean(static_cast<GlueMethod>(m));
    if (std::isfinite(v)) j["mean"][kKeys[m]] = v;
  }
  return j;
}

std::string GlueEvaluation::to_markdown() const {
  std::ostringstream s;
  s << "| task (dev metric) |";
  for (int m = 0; m < kGlueMethodCount; ++m) s << " " << kNames[m] << " |";
  s << "\n|---|";
  for (int m = 0; m < kGlueMethodCount; ++m) s << "---:|";
  s << "\n";
  for (const auto& r : tasks) {
    s << "| " << r.task << " (" << r.metric << ") |";
    for (int m = 0; m < kGlueMethodCount; ++m) s << " " << cell(main(r, static_cast<GlueMethod>(m))) << " |";
    s << "\n";
  }
  s << "| **mean** |";
  for (int m = 0; m < kGlueMethodCount; ++m) s << " " << cell(mean(static_cast<GlueMethod>(m))) << " |";
  s << "\n\nScores ×100 on each task's dev split. Generated: N = " << (tasks.empty() ? 0 : tasks.front().samples)
    << " adapters per task; best of N chosen by the training-sample score, never by dev. Original (best checkpoint) "
       "is chosen by dev, an upper bound.\n";
  return s.str();
}

GlueEvaluation evaluate_glue(const std::string& harvest_dir, ConditionalGenerator& generator,
                             const GlueEvaluationOptions& options, const std::string& model_dir,
                             const std::string& data_dir, const GlueEvaluationProgress& progress) {
  GlueZooPlan plan = read_glue_plan(harvest_dir);
  if (!model_dir.empty()) plan.model_dir = model_dir;
  if (!data_dir.empty()) plan.data_dir = data_dir;
  const Zoo zoo = Zoo::open(glue_zoo_dir(harvest_dir));
  std::vector<std::string> names;
  for (GlueTask t : options.tasks) names.push_back(to_string(t));
  if (names.empty()) names = zoo.tasks();
  auto tokenizer = text::load_tokenizer(plan.model_dir);
  models::BertClassifier classifier = models::load_bert_classifier(plan.model_dir);
  GlueEvaluation ev;
  for (size_t i = 0; i < names.size(); ++i) {
    if (progress && !progress(static_cast<int>(i), static_cast<int>(names.size()), names[i])) {
      ev.cancelled = true;
      break;
    }
    if (!zoo.has_task(names[i])) throw Error("the zoo has no task " + names[i]);
    const GlueTaskData data = load_task_data(plan, glue_task_from_string(names[i]), *tokenizer);
    TaskContext c{classifier, data, read_glue_head(harvest_dir, names[i])};
    const std::vector<std::string> all = zoo.tasks();
    const std::string control = all.size() < 2 ? "" : all[(std::find(all.begin(), all.end(), names[i]) - all.begin() + 1) % all.size()];
    ev.tasks.push_back(evaluate_task(zoo, generator, c, control, options));
  }
  return ev;
}

}  // namespace lorastudio::glue
