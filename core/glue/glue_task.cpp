#include "core/glue/glue_task.h"

#include <fstream>

#include "core/util/ascii_text.h"
#include "core/util/error.h"

namespace lorastudio::glue {

namespace fs = std::filesystem;

namespace {

struct Layout {
  bool header = true;
  size_t columns = 0, a = 0, b = 0, label = 0;  // b == 0: no second text (column 0 never holds one)
  std::vector<std::string> label_names;          // empty: labels are numbers
};

Layout layout_of(GlueTask t) {
  switch (t) {
    case GlueTask::CoLA: return {false, 4, 3, 0, 1, {}};
    case GlueTask::SST2: return {true, 2, 0, 0, 1, {}};
    case GlueTask::MRPC: return {true, 5, 3, 4, 0, {}};
    case GlueTask::STSB: return {true, 10, 7, 8, 9, {}};
    case GlueTask::QNLI: return {true, 4, 1, 2, 3, {"entailment", "not_entailment"}};
    case GlueTask::RTE: return {true, 4, 1, 2, 3, {"entailment", "not_entailment"}};
    case GlueTask::WNLI: return {true, 4, 1, 2, 3, {}};
  }
  return {};
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

GlueExample parse_row(const std::vector<std::string>& cols, const Layout& l, const GlueTaskInfo& info,
                      const std::string& where) {
  GlueExample e;
  e.text_a = cols[l.a];
  if (l.b) e.text_b = cols[l.b];
  const std::string& v = cols[l.label];
  if (info.regression) {
    try {
      e.score = std::stod(v);
    } catch (const std::exception&) {
      throw FileError(where, "the score '" + v + "' is not a number");
    }
    return e;
  }
  for (size_t i = 0; i < l.label_names.size(); ++i) {
    if (v == l.label_names[i]) e.label = static_cast<int>(i);
  }
  if (l.label_names.empty() && (v == "0" || v == "1")) e.label = v == "1" ? 1 : 0;
  if (e.label < 0) throw FileError(where, "the label '" + v + "' is not one of the task's");
  return e;
}

}  // namespace

const std::vector<GlueTask>& all_glue_tasks() {
  static const std::vector<GlueTask> tasks = {GlueTask::CoLA, GlueTask::SST2, GlueTask::MRPC, GlueTask::STSB,
                                              GlueTask::QNLI, GlueTask::RTE,  GlueTask::WNLI};
  return tasks;
}

std::string to_string(GlueTask t) {
  static const char* names[] = {"CoLA", "SST-2", "MRPC", "STS-B", "QNLI", "RTE", "WNLI"};
  return names[static_cast<int>(t)];
}

GlueTask glue_task_from_string(const std::string& name) {
  std::string wanted = ascii_lower(name), choices;
  for (GlueTask t : all_glue_tasks()) {
    std::string n = ascii_lower(to_string(t)), compact;
    for (char c : n) {
      if (c != '-') compact += c;
    }
    if (wanted == n || wanted == compact) return t;
    choices += (choices.empty() ? "" : ", ") + to_string(t);
  }
  throw Error("unknown GLUE task '" + name + "' (expected one of " + choices + ")");
}

const GlueTaskInfo& glue_task_info(GlueTask t) {
  static const std::vector<GlueTaskInfo> infos = {
      {false, false, 2, {"matthews", "accuracy"}, "Decide whether the sentence is grammatically acceptable English."},
      {false, false, 2, {"accuracy"}, "Classify the sentiment of the movie review sentence as positive or negative."},
      {true, false, 2, {"f1", "accuracy"}, "Decide whether the two sentences are paraphrases of each other."},
      {true, true, 1, {"pearson", "spearman"}, "Rate how similar in meaning the two sentences are, from 0 to 5."},
      {true, false, 2, {"accuracy"}, "Decide whether the sentence contains the answer to the question."},
      {true, false, 2, {"accuracy"}, "Decide whether the first text entails the second."},
      {true, false, 2, {"accuracy"}, "Decide whether the second sentence follows from the first, pronoun resolved."}};
  return infos[static_cast<size_t>(t)];
}

GlueSplit read_glue_split(const fs::path& folder, GlueTask task, const std::string& split) {
  fs::path file = folder / to_string(task) / (split + ".tsv");
  if (!fs::exists(file) && fs::exists(folder / (split + ".tsv"))) file = folder / (split + ".tsv");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string(), "does not exist: GLUE " + to_string(task) + " has no " + split + " split here");
  const Layout l = layout_of(task);
  const GlueTaskInfo& info = glue_task_info(task);
  GlueSplit out{task, split, file.string(), {}};
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if ((number == 1 && l.header) || line.empty()) continue;
    auto cols = split_tabs(line);
    const std::string where = file.string() + ":" + std::to_string(number);
    if (cols.size() != l.columns) {
      throw FileError(where, "has " + std::to_string(cols.size()) + " columns, GLUE " + to_string(task) + " has " +
                                 std::to_string(l.columns));
    }
    out.examples.push_back(parse_row(cols, l, info, where));
  }
  if (out.examples.empty()) throw FileError(file.string(), "holds no examples");
  return out;
}

}  // namespace lorastudio::glue
