#include "core/textworld/text_demo.h"

#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/generator/generation.h"
#include "core/generator/unseen_guidance.h"
#include "core/models/model_adapters.h"
#include "core/textworld/text_zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
#include "core/wordnet/task_suite_file.h"

namespace fs = std::filesystem;

namespace lorastudio::textworld {

namespace {

std::string folded(const std::string& text) {
  std::string out;
  for (unsigned char c : text)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

std::vector<std::string> texts_of(const std::vector<wordnet::LabelledText>& split) {
  std::vector<std::string> out;
  for (const auto& e : split) out.push_back(e.text);
  return out;
}

}  // namespace

nlohmann::json TextDemoCheck::to_json() const {
  nlohmann::json figs = nlohmann::json::array();
  for (const auto& f : figures) figs.push_back({{"task", f.task}, {"test_accuracy", f.test_accuracy}});
  nlohmann::json j = {{"tasks", tasks}, {"samples", samples}, {"steps", steps}, {"sampler", sampler}, {"guidance", guidance},
                      {"seed", seed}, {"tolerance", tolerance}, {"figures", figs}};
  if (unseen_guidance != guidance) j["unseen_guidance"] = unseen_guidance;
  return j;
}

TextDemoCheck TextDemoCheck::from_json(const nlohmann::json& j, const std::string& label) {
  TextDemoCheck c;
  const JsonReader r(j, label);
  c.tasks = r.strings_at("tasks");
  c.samples = r.int_at("samples", 1, 4096);
  c.steps = r.int_at("steps", 1, 100000);
  c.sampler = r.string_at("sampler");
  r.read("guidance", c.guidance, 0.0, kMaxGuidance);
  c.unseen_guidance = c.guidance;
  r.read("unseen_guidance", c.unseen_guidance, 0.0, kMaxGuidance);
  r.read("seed", c.seed);
  r.read("tolerance", c.tolerance, 0.0, 1.0);
  for (const auto& f : r.at("figures")) {
    const JsonReader fr(f, label + ": figures");
    c.figures.push_back({fr.string_at("task"), f.at("test_accuracy").get<std::vector<double>>()});
  }
  return c;
}

TextDemo TextDemo::load(const std::string& dir) {
  const std::string path = (fs::path(dir) / "demo.json").string();
  if (!fs::exists(path)) throw FileError(path, "does not exist: not a demo bundle");
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  if (r.string_at("format") != kTextDemoFormat) r.fail("format", std::string("expected \"") + kTextDemoFormat + "\"");
  TextDemo d;
  d.dir = dir;
  d.name = r.string_at("name");
  r.read("recipe", d.recipe);
  r.read("max_length", d.max_length, 8, 4096);
  d.check = TextDemoCheck::from_json(r.at("check"), path + ": check");
  if (r.has("sampling")) {
    const JsonReader s = r.child("sampling");
    s.only({"sampler", "steps", "guidance", "unseen_guidance"});
    read_sampling(s, d.sampling, d.unseen_guidance);
  } else {
    d.unseen_guidance = d.sampling.guidance;
  }
  d.suite = wordnet::load_task_suite((fs::path(dir) / "tasks.json").string());
  for (const char* f : {"base/config.json", "base/model.safetensors", "base/vocab.txt", "generator/generator.json"})
    if (!fs::exists(fs::path(dir) / f)) throw FileError((fs::path(dir) / f).string(), "is missing from the demo bundle");
  const fs::path ev = fs::path(dir) / "evaluation.json";
  if (fs::exists(ev)) d.evaluation = parse_json(read_text_file(ev.string()), ev.string());
  const fs::path atlas = fs::path(dir) / "atlas.safetensors";
  if (fs::exists(atlas)) d.atlas = load_latent_atlas(atlas.string());
  return d;
}

YesNoModel TextDemo::base() const {
  YesNoModel model = YesNoModel::load(base_dir());
  model.set_max_length(max_length);
  return model;
}
ConditionalGenerator TextDemo::generator() const { return ConditionalGenerator::load(generator_dir()); }

GenerateOptions TextDemo::sampling_for(const wordnet::WordNetTask* task) const {
  return sampling_for_condition(sampling, unseen_guidance, task && !task->held_out);
}

const wordnet::WordNetTask* TextDemo::match(const std::string& text) const {
  const std::string want = folded(text);
  if (want.empty()) return nullptr;
  for (const auto& t : suite.tasks) {
    if (folded(t.unseen_paraphrase) == want) return &t;
    for (const auto& d : t.descriptions)
      if (folded(d) == want) return &t;
  }
  return nullptr;
}

std::vector<wordnet::LabelledText> TextDemo::sample_definitions(size_t count) const {
  std::vector<wordnet::LabelledText> out;
  const size_t n = suite.tasks.size();
  for (size_t k = 0; k < count && n > 0; ++k) {
    const auto& task = suite.tasks[(k * n) / count];
    for (const auto& e : task.test)
      if (e.label == 1) {
        out.push_back(e);
        break;
      }
  }
  return out;
}

std::optional<double> TextDemo::evaluated(const std::string& task, const std::string& figure) const {
  if (!evaluation.is_object() || !evaluation.contains("tasks") || !evaluation["tasks"].is_array()) return std::nullopt;
  for (const auto& t : evaluation["tasks"]) {
    if (!t.is_object() || t.value("task", "") != task || !t.contains("test") || !t["test"].is_object()) continue;
    const auto& v = t["test"];
    if (v.contains(figure) && v[figure].is_number()) return v[figure].get<double>();
  }
  return std::nullopt;
}

bool is_text_demo(const std::string& dir) {
  const fs::path path = fs::path(dir) / "demo.json";
  if (!fs::exists(path)) return false;
  const nlohmann::json j = parse_json(read_text_file(path.string()), path.string());
  return j.is_object() && j.value("format", "") == kTextDemoFormat;
}

TaskCondition demo_condition(const std::string& text, const std::vector<std::string>& examples, const wordnet::WordNetTask* task) {
  if (!examples.empty() || !task) return TaskCondition::from_text(text, examples);
  std::vector<std::string> shots;
  for (const auto& s : task->shots()) shots.push_back(shot_text(s));
  return TaskCondition::from_text(text, shots);
}

std::vector<double> answers_with(YesNoModel& model, const LoraAdapter* adapter, const std::vector<std::string>& texts) {
  const YesNoTexts encoded = model.encode(texts);
  if (!adapter) return model.yes_probability(encoded);
  models::AttachedAdapter attached(*model.module(), *adapter, models::AdapterMode::Merged);
  return model.yes_probability(encoded);
}

double split_accuracy(YesNoModel& model, const std::vector<wordnet::LabelledText>& split, const LoraAdapter* adapter) {
  std::vector<int> labels;
  for (const auto& e : split) labels.push_back(e.label);
  return yes_no_accuracy(answers_with(model, adapter, texts_of(split)), labels);
}

std::vector<double> split_accuracies(YesNoModel& model, const std::vector<wordnet::LabelledText>& split,
                                     const std::vector<LoraAdapter>& adapters) {
  std::vector<double> out;
  for (const auto& a : adapters) out.push_back(split_accuracy(model, split, &a));
  return out;
}

std::vector<TextDemoCheck::Figure> measure_text_demo_check(const TextDemo& demo, const TextDemoCheck& check) {
  YesNoModel model = demo.base();
  ConditionalGenerator generator = demo.generator();
  std::vector<TextDemoCheck::Figure> out;
  for (const auto& name : check.tasks) {
    const wordnet::WordNetTask* task = wordnet::find_task(demo.suite, name);
    if (!task) throw FileError(demo.dir + "/demo.json", "the check names a task tasks.json lacks: " + name);
    const TaskCondition c = demo_condition(task->descriptions.front(), {}, task);
    ConditionInput in;
    in.text = c.text;
    in.examples = c.examples;
    GenerateOptions o;
    o.count = check.samples, o.steps = check.steps, o.sampler = check.sampler, o.seed = check.seed;
    o.guidance = check.guidance;
    o = sampling_for_condition(o, check.unseen_guidance, !task->held_out);
    const GeneratedAdapters g = generate_adapters(generator, in, o);
    out.push_back({name, split_accuracies(model, task->test, g.adapters)});
  }
  return out;
}

std::vector<std::string> text_demo_check_differences(const TextDemoCheck& recorded,
                                                     const std::vector<TextDemoCheck::Figure>& measured, double tolerance) {
  std::vector<std::string> out;
  for (const auto& want : recorded.figures) {
    const auto got = std::find_if(measured.begin(), measured.end(), [&](const auto& f) { return f.task == want.task; });
    if (got == measured.end() || got->test_accuracy.size() != want.test_accuracy.size()) {
      out.push_back(want.task + ": not measured");
      continue;
    }
    for (size_t i = 0; i < want.test_accuracy.size(); ++i)
      if (std::abs(got->test_accuracy[i] - want.test_accuracy[i]) > tolerance)
        out.push_back(want.task + " adapter " + std::to_string(i) + ": recorded " + std::to_string(want.test_accuracy[i]) +
                      ", measured " + std::to_string(got->test_accuracy[i]));
  }
  return out;
}

}  // namespace lorastudio::textworld
