#pragma once
// Harvesting a GLUE LoRA zoo (Cond P-Diff's Table 1 data): for every task, LoRA fine-tuning of one BERT-family
// classifier (glue_finetune.h) and its last N checkpoints written as one zoo task whose condition is the task's
// description with two training examples. Layout of OUT:
//   OUT/zoo/                 the zoo (metrics per checkpoint: train_score, dev_<metric>…, step)
//   OUT/heads/<task>.safetensors  the task's frozen classification head (every checkpoint's modules_to_save)
//   OUT/harvest.json         the plan (model folder, data folder, lengths, the training sample's size and seed),
//                            which the evaluation reads so that it ranks adapters on the same sample
// Resumable: a task already in the zoo is skipped; one cut off part-way is redone (the zoo is untouched until then).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/glue/glue_finetune.h"
#include "core/glue/glue_task.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio::glue {

struct GlueZooPlan {
  std::string out_dir;
  std::string model_dir;          // a BERT-family Hugging Face folder (config.json, weights, vocab.txt)
  std::string data_dir;           // the GLUE folders (CoLA/train.tsv …)
  std::vector<GlueTask> tasks;
  GlueFinetuneOptions tuning;
  int64_t max_length = 128;
  int64_t train_limit = 0;        // > 0: the first examples of the training split only
  int64_t dev_limit = 0;          // > 0: the first examples of the dev split only
  int64_t sample_rows = 256;      // the training-split sample that scores checkpoints and generated adapters
  nlohmann::json to_json() const;
  static GlueZooPlan from_json(const nlohmann::json& j, const std::string& label);  // FileError(label, …)
};

struct GlueZooEvent {
  std::string task;
  int index = 0, total = 0;
  int64_t step = 0, steps = 0;
  double loss = 0;
};
using GlueZooProgress = std::function<bool(const GlueZooEvent&)>;

struct GlueZooSummary {
  std::vector<std::string> harvested, skipped;
  std::map<std::string, double> best_dev, head_only_dev;  // main metric on dev
  bool cancelled = false;
};

GlueZooSummary harvest_glue_zoo(const GlueZooPlan& plan, const GlueZooProgress& progress = {});

std::string glue_zoo_dir(const std::string& out_dir);                           // OUT/zoo
std::string glue_head_path(const std::string& out_dir, const std::string& task);  // OUT/heads/<task>.safetensors
std::map<std::string, torch::Tensor> read_glue_head(const std::string& out_dir, const std::string& task);
GlueZooPlan read_glue_plan(const std::string& out_dir);  // OUT/harvest.json

// The task's condition: its description and two training examples ("text → label").
TaskCondition glue_condition(const GlueSplit& train);
// The indices of the training-split sample: a shuffle of 0…size-1 by `seed`, its first `rows`.
std::vector<int64_t> training_sample_indices(int64_t size, int64_t rows, uint64_t seed);

// The encoded splits the plan describes, for one task.
struct GlueTaskData {
  EncodedSplit train, sample, dev;
};
GlueTaskData load_task_data(const GlueZooPlan& plan, GlueTask task, const text::Tokenizer& tokenizer);

}  // namespace lorastudio::glue
