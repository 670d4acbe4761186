#pragma once
// The GLUE tasks in their distributed TSV layout (a folder per task with train.tsv / dev.tsv): which columns hold
// the texts and the label, how labels are spelled, and which metrics each task reports — CoLA (Matthews
// correlation), SST-2 (accuracy), MRPC (F1 and accuracy), STS-B (Pearson and Spearman on 0–5 scores), QNLI, RTE and
// WNLI (accuracy). Label ids follow Hugging Face's GLUE (entailment = 0, not_entailment = 1).
#include <filesystem>
#include <string>
#include <vector>

namespace lorastudio::glue {

enum class GlueTask { CoLA, SST2, MRPC, STSB, QNLI, RTE, WNLI };
std::string to_string(GlueTask task);                 // "CoLA", "SST-2", … (the folder names)
GlueTask glue_task_from_string(const std::string& name);  // case-insensitive, "sst2" too; Error naming the choices
const std::vector<GlueTask>& all_glue_tasks();

struct GlueTaskInfo {
  bool pair = false;        // two texts per example
  bool regression = false;  // STS-B: a score, not a class
  int num_labels = 2;       // 1 for regression
  std::vector<std::string> metrics;  // "matthews", "accuracy", "f1", "pearson", "spearman"; the first is the main one
  std::string description;  // a one-line task description (the task's condition text)
};
const GlueTaskInfo& glue_task_info(GlueTask task);

struct GlueExample {
  std::string text_a, text_b;  // text_b empty for single-sentence tasks
  int label = -1;              // class id (classification)
  double score = 0;            // STS-B's similarity
};

struct GlueSplit {
  GlueTask task;
  std::string split, path;
  std::vector<GlueExample> examples;
};

// `folder` holds the task folders (glue/SST-2/dev.tsv …) or is the task's own folder. A missing file, a row with
// the wrong number of columns or a label outside the task's is a FileError naming the file and the line.
GlueSplit read_glue_split(const std::filesystem::path& folder, GlueTask task, const std::string& split);

}  // namespace lorastudio::glue
