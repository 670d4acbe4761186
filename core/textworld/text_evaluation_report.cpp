// TextEvaluation's summaries: means per method, the own-task rate, JSON and the Markdown table.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/textworld/text_evaluation.h"

namespace lorastudio::textworld {

namespace {

constexpr const char* kNames[] = {"base (no LoRA)", "original (best checkpoint)", "ΔW soup", "nearest description",
                                  "all-task soup", "oracle (own checkpoint)", "generated (best of N)",
                                  "generated (mean of N)", "shuffled description", "unseen paraphrase"};
constexpr const char* kKeys[] = {"base", "best_original", "soup", "nearest_description", "all_task_soup", "oracle",
                                 "generated_best", "generated_mean", "shuffled_description", "unseen_paraphrase"};

const std::vector<TextMethod> kInDistribution = {TextMethod::Base, TextMethod::BestOriginal, TextMethod::Soup,
                                                 TextMethod::GeneratedBest, TextMethod::GeneratedMean,
                                                 TextMethod::ShuffledDescription, TextMethod::UnseenParaphrase};
const std::vector<TextMethod> kHeldOut = {TextMethod::Base, TextMethod::NearestDescription, TextMethod::AllTaskSoup,
                                          TextMethod::GeneratedBest, TextMethod::GeneratedMean,
                                          TextMethod::ShuffledDescription, TextMethod::UnseenParaphrase, TextMethod::Oracle};

std::string cell(double v) {
  if (!std::isfinite(v)) return "–";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * v;
  return s.str();
}

double value(const TextTaskResult& r, TextMethod m) {
  const auto it = r.test.find(m);
  return it == r.test.end() ? NAN : it->second;
}

void table(std::ostringstream& s, const TextEvaluation& ev, bool held_out, const std::vector<TextMethod>& methods) {
  s << "| task |";
  for (TextMethod m : methods) s << " " << kNames[static_cast<int>(m)] << " |";
  s << "\n|---|";
  for (size_t i = 0; i < methods.size(); ++i) s << "---:|";
  s << "\n";
  for (const auto& r : ev.tasks) {
    if (r.held_out != held_out) continue;
    s << "| " << r.task << (held_out && !r.relative.empty() ? " (relative: " + r.relative + ")" : "") << " |";
    for (TextMethod m : methods) s << " " << cell(value(r, m)) << " |";
    s << "\n";
  }
  s << "| **mean** |";
  for (TextMethod m : methods) s << " **" << cell(ev.mean(m, held_out)) << "** |";
  s << "\n";
}

}  // namespace

const char* text_method_name(TextMethod m) { return kNames[static_cast<int>(m)]; }
const char* text_method_key(TextMethod m) { return kKeys[static_cast<int>(m)]; }

double TextEvaluation::mean(TextMethod m, bool held_out) const {
  double sum = 0;
  int n = 0;
  for (const auto& r : tasks) {
    const double v = value(r, m);
    if (r.held_out == held_out && std::isfinite(v)) sum += v, ++n;
  }
  return n ? sum / n : NAN;
}

double TextEvaluation::own_task_rate() const {
  double sum = 0;
  int n = 0;
  for (const auto& r : tasks) {
    if (r.held_out || !std::isfinite(r.own_task_fraction)) continue;
    sum += r.own_task_fraction;
    ++n;
  }
  return n ? sum / n : NAN;
}

nlohmann::json TextTaskResult::to_json() const {
  nlohmann::json t = {{"task", task}, {"held_out", held_out}, {"relative", relative}, {"samples", samples},
                      {"control_task", control_task}, {"nearest_task", nearest_task},
                      {"nearest_zoo_task", nearest_zoo_task}, {"generated_train", generated_train},
                      {"generated_test", generated_test}, {"seconds", seconds}, {"test", nlohmann::json::object()}};
  if (std::isfinite(own_task_fraction)) t["own_task_fraction"] = own_task_fraction;
  if (std::isfinite(guidance)) t["guidance"] = guidance;
  for (const auto& [m, v] : test) t["test"][kKeys[static_cast<int>(m)]] = v;
  if (!memorization.is_null()) t["memorization"] = memorization;
  return t;
}

TextTaskResult TextTaskResult::from_json(const nlohmann::json& j) {
  TextTaskResult r;
  r.task = j.at("task").get<std::string>();
  r.held_out = j.at("held_out").get<bool>();
  r.relative = j.value("relative", "");
  r.samples = j.value("samples", int64_t(0));
  r.control_task = j.value("control_task", "");
  r.nearest_task = j.value("nearest_task", "");
  r.nearest_zoo_task = j.value("nearest_zoo_task", "");
  r.generated_train = j.value("generated_train", std::vector<double>{});
  r.generated_test = j.value("generated_test", std::vector<double>{});
  r.seconds = j.value("seconds", 0.0);
  r.own_task_fraction = j.value("own_task_fraction", NAN);
  r.guidance = j.value("guidance", NAN);
  for (int m = 0; m < kTextMethodCount; ++m)
    if (j.at("test").contains(kKeys[m])) r.test[static_cast<TextMethod>(m)] = j["test"][kKeys[m]].get<double>();
  if (j.contains("memorization")) r.memorization = j["memorization"];
  return r;
}

int64_t TextEvaluation::copies() const {
  int64_t n = 0;
  for (const auto& r : tasks)
    if (r.memorization.contains("copies")) n += r.memorization["copies"].get<int64_t>();
  return n;
}

nlohmann::json TextEvaluation::to_json() const {
  nlohmann::json j = {{"tasks", nlohmann::json::array()}, {"cancelled", cancelled}};
  for (const auto& r : tasks) j["tasks"].push_back(r.to_json());
  for (bool held : {false, true}) {
    nlohmann::json means = nlohmann::json::object();
    for (int m = 0; m < kTextMethodCount; ++m) {
      const double v = mean(static_cast<TextMethod>(m), held);
      if (std::isfinite(v)) means[kKeys[m]] = v;
    }
    j[held ? "held_out_mean" : "in_distribution_mean"] = means;
  }
  const double own = own_task_rate();
  if (std::isfinite(own)) j["own_task_rate"] = own;
  j["copies"] = copies();
  return j;
}

std::string TextEvaluation::to_markdown() const {
  std::ostringstream s;
  s << "### In-distribution tasks (test accuracy ×100)\n\n";
  table(s, *this, false, kInDistribution);
  s << "\n### Held-out tasks, never seen by the generator (test accuracy ×100)\n\n";
  table(s, *this, true, kHeldOut);
  const int64_t n = tasks.empty() ? 0 : tasks.front().samples;
  s << "\nGenerated: N = " << n << " adapters per task, best of N chosen by the training-split sample, never by "
       "test. Original (best checkpoint) is chosen by dev. Shuffled description: another training task's condition, "
       "best of N by this task's training sample. Unseen paraphrase: a description template never used in training, "
       "with the same two examples.\n";
  for (bool held : {false, true}) {
    const auto it = std::find_if(tasks.begin(), tasks.end(),
                                 [&](const TextTaskResult& r) { return r.held_out == held && std::isfinite(r.guidance); });
    if (it != tasks.end())
      s << (held ? "Held-out" : "Training") << " tasks' own descriptions sampled with guidance " << it->guidance << ".\n";
  }
  const double own = own_task_rate();
  if (std::isfinite(own))
    s << "Own-task rate (generated samples whose nearest checkpoint in ΔW space is of their own task): "
      << cell(own) << "%; copies among the tasks with a full memorisation report: " << copies() << ".\n";
  return s.str();
}

}  // namespace lorastudio::textworld
