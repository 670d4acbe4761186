#pragma once
// Harvesting the text world's LoRA zoo: for every task of a WordNet task suite, LoRA fine-tuning of the yes/no
// model (yes_no_tuning.h) and its last N checkpoints written as one zoo task. The condition is one of the task's
// training paraphrases (they rotate over the suite, so no template belongs to a kind of task) with its two-shot
// examples. Layout of OUT:
//   OUT/tasks.json           the suite (task_suite_file.h): what the evaluation and the demo read
//   OUT/harvest.json         the plan (model folder, lengths, the training sample, the tuning)
//   OUT/zoo/                 the training tasks (metrics per checkpoint: train_accuracy, dev_accuracy, step)
//   OUT/held_out_zoo/        the held-out tasks, harvested the same way: the oracle the generator never sees
// Resumable: a task already in its zoo is skipped; one cut off part-way is redone.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/textworld/yes_no_tuning.h"
#include "core/wordnet/wordnet_task_suite.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio::textworld {

struct TextZooPlan {
  std::string out_dir;
  std::string model_dir;      // the yes/no base model's folder
  YesNoTuningOptions tuning;
  int64_t max_length = 64;    // tokens per input, specials included
  int64_t sample_rows = 64;   // the training-split sample that scores checkpoints and generated adapters
  bool held_out = true;       // harvest the held-out tasks too (the oracle)
  std::string device = "cpu";
  nlohmann::json to_json() const;
  static TextZooPlan from_json(const nlohmann::json& j, const std::string& label);  // FileError(label, …)
};

struct TextZooEvent {
  std::string task;
  int index = 0, total = 0;
  int64_t step = 0, steps = 0;
  double loss = 0;
};
using TextZooProgress = std::function<bool(const TextZooEvent&)>;

struct TextZooSummary {
  std::vector<std::string> harvested, skipped;
  std::map<std::string, double> best_dev, base_dev;
  bool cancelled = false;
};

TextZooSummary harvest_text_zoo(const wordnet::TaskSuite& suite, const TextZooPlan& plan,
                                const TextZooProgress& progress = {});

std::string text_zoo_dir(const std::string& out_dir);           // OUT/zoo
std::string text_held_out_zoo_dir(const std::string& out_dir);  // OUT/held_out_zoo
std::string text_suite_path(const std::string& out_dir);        // OUT/tasks.json
TextZooPlan read_text_plan(const std::string& out_dir);         // OUT/harvest.json

// The task's name in a zoo (a file name): letters and digits kept, anything else one '_' ("bass (fish)" → "bass_fish").
std::string zoo_task_name(const std::string& task);

// The task's zoo condition: its paraphrase number `paraphrase` (modulo their count) with its two-shot examples.
TaskCondition text_task_condition(const wordnet::WordNetTask& task, size_t paraphrase);
// The example line of a condition: "definition → yes".
std::string shot_text(const wordnet::LabelledText& shot);

// A task's splits encoded for the model: train, the training sample, dev and test.
struct TextTaskData {
  YesNoTexts train, sample, dev, test;
};
TextTaskData encode_task(const YesNoModel& model, const wordnet::WordNetTask& task, const TextZooPlan& plan);

}  // namespace lorastudio::textworld
