#pragma once
// The GLUE pipeline's evaluation in the form of Cond P-Diff's Table 1, on each task's dev split, every adapter
// applied (merged) to the same BERT-family classifier with the task's frozen head:
//  - head only (no LoRA)         the base encoder with the task's head
//  - original (best checkpoint)  the harvested checkpoint with the best dev score (an upper bound, as the papers
//                                report it)
//  - ΔW soup                     the exact mean ΔW of the task's checkpoints
//  - generated (best of N)       N generated adapters, the one with the best training-sample score
//  - generated (mean of N)       the mean of the N adapters' dev scores
//  - wrong condition (control)   generated from another task's condition, best of N by this task's training sample
// plus the engine's memorisation report (copies, own-task rate, diversity) of the generated adapters.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/glue/glue_zoo.h"

namespace lorastudio::glue {

enum class GlueMethod { HeadOnly, BestOriginal, Soup, GeneratedBest, GeneratedMean, WrongCondition };
constexpr int kGlueMethodCount = 6;
const char* glue_method_name(GlueMethod m);  // "head only (no LoRA)", …
const char* glue_method_key(GlueMethod m);   // "head_only", "best_original", "soup", …

struct GlueTaskResult {
  std::string task;
  std::string metric;                                       // the main metric's name
  std::map<GlueMethod, std::map<std::string, double>> dev;  // every metric of the task per method
  std::vector<double> generated_train, generated_dev;       // main metric per generated adapter
  std::string control_task;                                 // whose condition the control used
  int64_t samples = 0;
  nlohmann::json memorization;
  double seconds = 0;
};

struct GlueEvaluationOptions {
  int64_t samples = 10;
  GenerateOptions generate;  // count is `samples`
  std::vector<GlueTask> tasks;  // empty: every task in the zoo
};

struct GlueEvaluation {
  std::vector<GlueTaskResult> tasks;
  bool cancelled = false;
  double main(const GlueTaskResult& r, GlueMethod m) const;  // the main metric (NaN if absent)
  double mean(GlueMethod m) const;                           // of the main metrics over tasks
  nlohmann::json to_json() const;
  std::string to_markdown() const;
};

using GlueEvaluationProgress = std::function<bool(int index, int total, const std::string& task)>;

// `harvest_dir`: harvest-glue's output (zoo, heads, harvest.json). The classifier and data come from the plan
// unless `model_dir` / `data_dir` are given.
GlueEvaluation evaluate_glue(const std::string& harvest_dir, ConditionalGenerator& generator,
                             const GlueEvaluationOptions& options, const std::string& model_dir = {},
                             const std::string& data_dir = {}, const GlueEvaluationProgress& progress = {});

}  // namespace lorastudio::glue
