#include "core/glue/glue_zoo.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/io/checkpoint_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio::glue {

namespace {

std::string label_name(GlueTask task, int label) {
  switch (task) {
    case GlueTask::CoLA: return label ? "acceptable" : "unacceptable";
    case GlueTask::SST2: return label ? "positive" : "negative";
    case GlueTask::MRPC: return label ? "paraphrase" : "not a paraphrase";
    case GlueTask::WNLI: return label ? "entailment" : "not entailment";
    default: return label ? "not entailment" : "entailment";
  }
}

std::string example_text(GlueTask task, const GlueExample& e) {
  std::string text = e.text_b.empty() ? e.text_a : e.text_a + " || " + e.text_b;
  return text + " → " + (glue_task_info(task).regression ? std::to_string(e.score) : label_name(task, e.label));
}

std::vector<ZooCheckpoint> zoo_checkpoints(const GlueFinetuneResult& r, const std::string& task) {
  std::vector<ZooCheckpoint> out;
  for (const auto& c : r.checkpoints) {
    ZooCheckpoint z{c.adapter, task + "@step" + std::to_string(c.step), {}};
    z.metrics["train_score"] = c.train_score;
    z.metrics["step"] = static_cast<double>(c.step);
    for (const auto& [name, value] : c.dev) z.metrics["dev_" + name] = value;
    out.push_back(std::move(z));
  }
  return out;
}

void write_head(const std::string& path, const std::map<std::string, torch::Tensor>& head) {
  std::vector<NamedTensor> tensors;
  for (const auto& [name, t] : head) tensors.push_back({name, t});
  fs::create_directories(fs::path(path).parent_path());
  write_safetensors(path, tensors, {{"format", "lorastudio-glue-head"}});
}

uint64_t task_seed(uint64_t seed, GlueTask task) { return seed * 1000003 + static_cast<uint64_t>(task) * 7919 + 1; }

}  // namespace

nlohmann::json GlueZooPlan::to_json() const {
  nlohmann::json tasks_json = nlohmann::json::array();
  for (GlueTask t : tasks) tasks_json.push_back(to_string(t));
  const GlueFinetuneOptions& t = tuning;
  return {{"model", model_dir}, {"data", data_dir}, {"tasks", tasks_json}, {"max_length", max_length},
          {"train_limit", train_limit}, {"dev_limit", dev_limit}, {"sample_rows", sample_rows},
          {"tuning", {{"steps", t.steps}, {"keep_last", t.keep_last}, {"batch", t.batch}, {"lr", t.lr},
                      {"head_lr", t.head_lr}, {"warmup", t.warmup}, {"rank", t.rank}, {"alpha", t.alpha},
                      {"targets", t.targets}, {"head_modules", t.head_modules}, {"seed", t.seed},
                      {"init_seed", t.init_seed}}}};
}

GlueZooPlan GlueZooPlan::from_json(const nlohmann::json& j, const std::string& label) {
  GlueZooPlan p;
  JsonReader r(j, label);
  r.read("model", p.model_dir);
  r.read("data", p.data_dir);
  if (!j.contains("tasks") || !j["tasks"].is_array()) throw FileError(label, "has no \"tasks\" list");
  for (const auto& n : j["tasks"]) p.tasks.push_back(glue_task_from_string(n.get<std::string>()));
  r.read("max_length", p.max_length, 4, 4096);
  r.read("train_limit", p.train_limit, 0, INT64_MAX);
  r.read("dev_limit", p.dev_limit, 0, INT64_MAX);
  r.read("sample_rows", p.sample_rows, 1, INT64_MAX);
  if (j.contains("tuning")) {
    JsonReader t(j["tuning"], label + ": tuning");
    GlueFinetuneOptions& o = p.tuning;
    t.read("steps", o.steps, 1, INT64_MAX);
    t.read("keep_last", o.keep_last, 1, INT64_MAX);
    t.read("batch", o.batch, 1, INT64_MAX);
    t.read("lr", o.lr, 0.0, 1e3, Bound::Open);
    t.read("head_lr", o.head_lr, 0.0, 1e3);
    t.read("warmup", o.warmup, 0, INT64_MAX);
    t.read("rank", o.rank, 1, 4096);
    t.read("alpha", o.alpha, 0.0, 1e9, Bound::Open);
    if (t.has("targets")) o.targets = t.strings_at("targets");
    if (t.has("head_modules")) o.head_modules = t.strings_at("head_modules");
    t.read("seed", o.seed);
    t.read("init_seed", o.init_seed);
  }
  return p;
}

std::string glue_zoo_dir(const std::string& out_dir) { return (fs::path(out_dir) / "zoo").string(); }
std::string glue_head_path(const std::string& out_dir, const std::string& task) {
  return (fs::path(out_dir) / "heads" / (task + ".safetensors")).string();
}

std::map<std::string, torch::Tensor> read_glue_head(const std::string& out_dir, const std::string& task) {
  const std::string path = glue_head_path(out_dir, task);
  if (!fs::exists(path)) throw FileError(path, "does not exist: the task's classification head is missing");
  CheckpointReader reader(path);
  std::map<std::string, torch::Tensor> head;
  for (const auto& name : reader.names()) head[name] = reader.tensor(name).to(torch::kFloat).clone();
  return head;
}

GlueZooPlan read_glue_plan(const std::string& out_dir) {
  const std::string path = (fs::path(out_dir) / "harvest.json").string();
  std::ifstream in(path);
  if (!in) throw FileError(path, "does not exist: not a GLUE harvest directory (run harvest-glue)");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw FileError(path, std::string("is not valid JSON: ") + e.what());
  }
  return GlueZooPlan::from_json(j, path);
}

TaskCondition glue_condition(const GlueSplit& train) {
  std::vector<std::string> examples;
  // The first example of each class (or the first two), so that the condition shows the labels.
  for (int want : {0, 1}) {
    for (const auto& e : train.examples) {
      if (glue_task_info(train.task).regression ? examples.size() == static_cast<size_t>(want) : e.label == want) {
        examples.push_back(example_text(train.task, e));
        break;
      }
    }
  }
  return TaskCondition::from_text(glue_task_info(train.task).description, examples);
}

std::vector<int64_t> training_sample_indices(int64_t size, int64_t rows, uint64_t seed) {
  std::vector<int64_t> order(size);
  for (int64_t i = 0; i < size; ++i) order[i] = i;
  std::mt19937_64 rng(seed + 12345);
  std::shuffle(order.begin(), order.end(), rng);
  order.resize(std::min(size, rows));
  return order;
}

GlueTaskData load_task_data(const GlueZooPlan& plan, GlueTask task, const text::Tokenizer& tokenizer) {
  GlueTaskData d;
  d.train = encode_split(read_glue_split(plan.data_dir, task, "train"), tokenizer, plan.max_length, plan.train_limit);
  d.sample = subset(d.train, training_sample_indices(d.train.size(), plan.sample_rows, plan.tuning.seed));
  d.dev = encode_split(read_glue_split(plan.data_dir, task, "dev"), tokenizer, plan.max_length, plan.dev_limit);
  return d;
}

GlueZooSummary harvest_glue_zoo(const GlueZooPlan& plan, const GlueZooProgress& progress) {
  if (plan.out_dir.empty()) throw Error("harvest: no output directory");
  auto tokenizer = text::load_tokenizer(plan.model_dir);
  models::BertClassifier classifier = models::load_bert_classifier(plan.model_dir);
  for (GlueTask t : plan.tasks) (void)read_glue_split(plan.data_dir, t, "dev");  // every split there before work starts
  fs::create_directories(plan.out_dir);
  write_file_atomically((fs::path(plan.out_dir) / "harvest.json").string(), plan.to_json().dump(2) + "\n");
  const std::string zoo_dir = glue_zoo_dir(plan.out_dir);
  GlueZooSummary summary;
  for (size_t i = 0; i < plan.tasks.size(); ++i) {
    const GlueTask task = plan.tasks[i];
    const std::string name = to_string(task);
    if (Zoo::exists(zoo_dir) && Zoo::open(zoo_dir).has_task(name)) {
      summary.skipped.push_back(name);
      continue;
    }
    if (glue_task_info(task).num_labels != classifier->config().num_labels)
      throw Error("harvest: " + name + " has " + std::to_string(glue_task_info(task).num_labels) + " labels; the model's head has " +
                  std::to_string(classifier->config().num_labels));
    const GlueTaskData data = load_task_data(plan, task, *tokenizer);
    GlueFinetuneOptions tuning = plan.tuning;
    tuning.seed = task_seed(plan.tuning.seed, task);
    const GlueFinetuneResult r = finetune_glue_lora(classifier, data.train, data.sample, data.dev, tuning,
                                                    [&](int64_t step, int64_t steps, double loss) {
      return !progress || progress({name, static_cast<int>(i), static_cast<int>(plan.tasks.size()), step, steps, loss});
    });
    if (r.cancelled) {
      summary.cancelled = true;
      break;
    }
    write_head(glue_head_path(plan.out_dir, name), r.head);
    Zoo zoo = Zoo::exists(zoo_dir) ? Zoo::open(zoo_dir) : Zoo::create(zoo_dir);
    zoo.add_task(name, glue_condition(data.train.split), zoo_checkpoints(r, name));
    summary.harvested.push_back(name);
    double best = -1e300;
    for (const auto& c : r.checkpoints) best = std::max(best, c.dev.empty() ? c.train_score : main_metric(task, c.dev));
    summary.best_dev[name] = best;
    summary.head_only_dev[name] = r.head_only_dev.empty() ? r.head_only_train_score : main_metric(task, r.head_only_dev);
  }
  return summary;
}

}  // namespace lorastudio::glue
