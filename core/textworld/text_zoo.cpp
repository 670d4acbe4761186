#include "core/textworld/text_zoo.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "core/glue/glue_zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/wordnet/task_suite_file.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio::textworld {

namespace {

YesNoTexts encode_split(const YesNoModel& model, const std::vector<wordnet::LabelledText>& split, int64_t max_length) {
  std::vector<std::string> texts;
  std::vector<int> labels;
  for (const auto& e : split) {
    texts.push_back(e.text);
    labels.push_back(e.label);
  }
  return model.encode(texts, labels, max_length);
}

std::vector<ZooCheckpoint> zoo_checkpoints(const YesNoTuningResult& r, const std::string& task) {
  std::vector<ZooCheckpoint> out;
  for (const auto& c : r.checkpoints) {
    ZooCheckpoint z{c.adapter, task + "@step" + std::to_string(c.step), {}};
    z.metrics["train_accuracy"] = c.train_accuracy;
    z.metrics["dev_accuracy"] = c.dev_accuracy;
    z.metrics["step"] = static_cast<double>(c.step);
    out.push_back(std::move(z));
  }
  return out;
}

uint64_t task_seed(uint64_t seed, size_t index) { return seed * 1000003 + index * 7919 + 1; }

}  // namespace

nlohmann::json TextZooPlan::to_json() const {
  const YesNoTuningOptions& t = tuning;
  return {{"model", model_dir}, {"max_length", max_length}, {"sample_rows", sample_rows}, {"held_out", held_out},
          {"device", device},
          {"tuning", {{"steps", t.steps}, {"keep_last", t.keep_last}, {"batch", t.batch}, {"lr", t.lr},
                      {"warmup", t.warmup}, {"rank", t.rank}, {"alpha", t.alpha}, {"targets", t.targets},
                      {"freeze_a", t.freeze_a}, {"seed", t.seed}, {"init_seed", t.init_seed}}}};
}

TextZooPlan TextZooPlan::from_json(const nlohmann::json& j, const std::string& label) {
  TextZooPlan p;
  JsonReader r(j, label);
  r.only({"model", "max_length", "sample_rows", "held_out", "device", "tuning"});
  r.read("model", p.model_dir);
  r.read("max_length", p.max_length, 8, 4096);
  r.read("sample_rows", p.sample_rows, 1, INT64_MAX);
  r.read("held_out", p.held_out);
  r.read("device", p.device);
  const JsonReader t = r.child("tuning");
  t.only({"steps", "keep_last", "batch", "lr", "warmup", "rank", "alpha", "targets", "freeze_a", "seed", "init_seed"});
  YesNoTuningOptions& o = p.tuning;
  t.read("steps", o.steps, 1, INT64_MAX);
  t.read("keep_last", o.keep_last, 1, INT64_MAX);
  t.read("batch", o.batch, 1, INT64_MAX);
  t.read("lr", o.lr, 0.0, 1e3, Bound::Open);
  t.read("warmup", o.warmup, 0, INT64_MAX);
  t.read("rank", o.rank, 1, 4096);
  t.read("alpha", o.alpha, 0.0, 1e9, Bound::Open);
  if (t.has("targets")) o.targets = t.strings_at("targets");
  t.read("freeze_a", o.freeze_a);
  t.read("seed", o.seed);
  t.read("init_seed", o.init_seed);
  if (o.keep_last > o.steps) throw FileError(label, "tuning.keep_last (" + std::to_string(o.keep_last) + ") exceeds tuning.steps");
  return p;
}

std::string text_zoo_dir(const std::string& out_dir) { return (fs::path(out_dir) / "zoo").string(); }
std::string text_held_out_zoo_dir(const std::string& out_dir) { return (fs::path(out_dir) / "held_out_zoo").string(); }
std::string text_suite_path(const std::string& out_dir) { return (fs::path(out_dir) / "tasks.json").string(); }

TextZooPlan read_text_plan(const std::string& out_dir) {
  const std::string path = (fs::path(out_dir) / "harvest.json").string();
  if (!fs::exists(path)) throw FileError(path, "does not exist: not a text-world harvest folder");
  TextZooPlan plan = TextZooPlan::from_json(parse_json(read_text_file(path), path), path);
  plan.out_dir = out_dir;
  return plan;
}

std::string zoo_task_name(const std::string& task) {
  std::string out;
  for (unsigned char ch : task) {
    if (std::isalnum(ch) || ch == '-' || ch == '.') out += static_cast<char>(ch);
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "task" : out;
}

std::string shot_text(const wordnet::LabelledText& shot) { return shot.text + " → " + (shot.label ? "yes" : "no"); }

TaskCondition text_task_condition(const wordnet::WordNetTask& task, size_t paraphrase) {
  std::vector<std::string> examples;
  for (const auto& s : task.shots()) examples.push_back(shot_text(s));
  return TaskCondition::from_text(task.descriptions.at(paraphrase % task.descriptions.size()), examples);
}

TextTaskData encode_task(const YesNoModel& model, const wordnet::WordNetTask& task, const TextZooPlan& plan) {
  TextTaskData d;
  d.train = encode_split(model, task.train, plan.max_length);
  d.sample = d.train.subset(glue::training_sample_indices(d.train.size(), plan.sample_rows, plan.tuning.seed));
  d.dev = encode_split(model, task.dev, plan.max_length);
  d.test = encode_split(model, task.test, plan.max_length);
  return d;
}

TextZooSummary harvest_text_zoo(const wordnet::TaskSuite& suite, const TextZooPlan& plan, const TextZooProgress& progress) {
  if (plan.out_dir.empty()) throw Error("harvest: no output directory");
  YesNoModel model = YesNoModel::load(plan.model_dir);
  model.module()->to(torch::Device(plan.device));
  fs::create_directories(plan.out_dir);
  wordnet::save_task_suite(text_suite_path(plan.out_dir), suite);
  write_file_atomically((fs::path(plan.out_dir) / "harvest.json").string(), plan.to_json().dump(2) + "\n");
  std::set<std::string> keys;
  for (const auto& t : suite.tasks)
    if (!keys.insert(zoo_task_name(t.name)).second) throw Error("harvest: two tasks share the zoo name " + zoo_task_name(t.name));
  TextZooSummary summary;
  for (size_t i = 0; i < suite.tasks.size(); ++i) {
    const wordnet::WordNetTask& task = suite.tasks[i];
    if (task.held_out && !plan.held_out) continue;
    const std::string zoo_dir = task.held_out ? text_held_out_zoo_dir(plan.out_dir) : text_zoo_dir(plan.out_dir);
    const std::string key = zoo_task_name(task.name);
    if (Zoo::exists(zoo_dir) && Zoo::open(zoo_dir).has_task(key)) {
      summary.skipped.push_back(task.name);
      continue;
    }
    const TextTaskData data = encode_task(model, task, plan);
    YesNoTuningOptions tuning = plan.tuning;
    tuning.seed = task_seed(plan.tuning.seed, i);
    const YesNoTuningResult r = tune_yes_no_lora(model, data.train, data.sample, data.dev, tuning,
                                                 [&](int64_t step, int64_t steps, double loss) {
      return !progress || progress({task.name, static_cast<int>(i), static_cast<int>(suite.tasks.size()), step, steps, loss});
    });
    if (r.cancelled) {
      summary.cancelled = true;
      break;
    }
    Zoo zoo = Zoo::exists(zoo_dir) ? Zoo::open(zoo_dir) : Zoo::create(zoo_dir);
    zoo.add_task(key, text_task_condition(task, i), zoo_checkpoints(r, key));
    summary.harvested.push_back(task.name);
    double best = 0;
    for (const auto& c : r.checkpoints) best = std::max(best, c.dev_accuracy);
    summary.best_dev[task.name] = best;
    summary.base_dev[task.name] = r.base_dev_accuracy;
  }
  return summary;
}

}  // namespace lorastudio::textworld
