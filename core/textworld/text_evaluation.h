#pragma once
// The text world's evaluation in the form of Cond P-Diff's Table 1, on each task's test split, every adapter merged
// into the yes/no model. In-distribution tasks (the generator trained on them):
//  - base (no LoRA)
//  - original (best checkpoint)   the harvested checkpoint with the best dev accuracy
//  - ΔW soup                      the exact mean ΔW of the task's checkpoints
//  - generated (best of N)        N adapters generated from the task's condition, the best by the training sample
//  - generated (mean of N)        their mean test accuracy
// Held-out tasks (never seen by the generator; zero-shot):
//  - base, generated (best of N), generated (mean of N)
//  - nearest description          the best checkpoint of the training task whose condition encodes nearest
//  - all-task soup                the exact mean ΔW over every training task's checkpoints
//  - oracle                       the task's own harvested best checkpoint (an upper bound; when harvested)
// Controls on every task: the generator given another task's description (shuffled: best of N by this task's
// training sample) and given the paraphrase never used in training (best of N). A held-out task's own descriptions
// are sampled with `unseen_guidance`; every training task's (a paraphrase of one, too) with the guidance. Plus the
// engine's memorisation report of the generated adapters (in-distribution).
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"

namespace lorastudio::textworld {

enum class TextMethod {
  Base, BestOriginal, Soup, NearestDescription, AllTaskSoup, Oracle, GeneratedBest, GeneratedMean,
  ShuffledDescription, UnseenParaphrase
};
constexpr int kTextMethodCount = 10;
const char* text_method_name(TextMethod m);  // "base (no LoRA)", …
const char* text_method_key(TextMethod m);   // "base", "best_original", …

struct TextTaskResult {
  std::string task;
  bool held_out = false;
  std::string relative;                    // held out: its relative in training ("" when none)
  std::map<TextMethod, double> test;       // test accuracy per method
  std::vector<double> generated_train, generated_test;  // per generated adapter
  std::string control_task, nearest_task;  // whose description the control used; the nearest description's task
  int64_t samples = 0;
  double guidance = NAN;                   // what its own condition's samples were generated with
  // Of the generated samples (from the task's own condition), the share whose nearest checkpoint in ΔW space is of
  // this task (in-distribution), and the training task most of them are nearest to (every task).
  double own_task_fraction = NAN;
  std::string nearest_zoo_task;
  nlohmann::json memorization;             // the engine's full report (the first memorization_tasks in-distribution tasks)
  double seconds = 0;

  nlohmann::json to_json() const;
  static TextTaskResult from_json(const nlohmann::json& j);
};

struct TextEvaluationOptions {
  int64_t samples = 10;
  GenerateOptions generate;       // count is `samples`; its guidance for the training tasks' descriptions
  double unseen_guidance = NAN;   // for the held-out tasks' (never trained on); NaN: generate.guidance
  std::vector<std::string> tasks; // empty: every task of the suite
  int64_t memorization_tasks = 12;  // the full memorisation report for this many in-distribution tasks (its cost
                                    // grows with the zoo; the own-task rate is computed for every task)
  std::string device = "cpu";       // where the yes/no model runs
  std::string partial_path;         // when set: finished tasks are appended here (JSON lines) and skipped when
                                    // found there, so that an interrupted evaluation goes on
};

struct TextEvaluation {
  std::vector<TextTaskResult> tasks;
  bool cancelled = false;
  double mean(TextMethod m, bool held_out) const;  // over the tasks of that kind that have it (NaN if none)
  double own_task_rate() const;                    // in-distribution: share of samples nearest their own task
  int64_t copies() const;
  nlohmann::json to_json() const;
  std::string to_markdown() const;
};

using TextEvaluationProgress = std::function<bool(int index, int total, const std::string& task)>;

// `harvest_dir`: harvest_text_zoo's output (tasks.json, harvest.json, zoo, held_out_zoo). The base model comes from
// the plan unless `model_dir` is given.
TextEvaluation evaluate_text_world(const std::string& harvest_dir, ConditionalGenerator& generator,
                                   const TextEvaluationOptions& options, const std::string& model_dir = {},
                                   const TextEvaluationProgress& progress = {});

}  // namespace lorastudio::textworld
