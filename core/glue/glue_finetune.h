#pragma once
// LoRA fine-tuning of a BERT-family classifier on one GLUE task, with Cond P-Diff's checkpoint harvesting: the
// adapters after each of the last N steps, each scored on a fixed sample of the training split (the score that
// ranks checkpoints and generated adapters) and on the dev split.
//
// The classification head (classifier and pooler) is trained with the LoRA until the last N steps begin, then frozen, so that every
// harvested checkpoint shares one head: the zoo holds the LoRA factors, the head travels beside them
// (PEFT's modules_to_save, in each checkpoint's adapter and in the task's head file). Dropout as in training.
// Deterministic for a seed on the CPU; progress through a callback that can cancel.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/glue/glue_batches.h"
#include "core/lora/lora_adapter.h"
#include "core/models/bert_model.h"

namespace lorastudio::glue {

struct GlueFinetuneOptions {
  int64_t steps = 600;
  int64_t keep_last = 50;  // N checkpoints (Cond P-Diff keeps the last 200)
  int64_t batch = 32;
  double lr = 2e-3;        // AdamW for the LoRA factors, linear warm-up over `warmup` steps, then constant
  double head_lr = 2e-3;   // for the head while it trains
  int64_t warmup = 30;
  int64_t rank = 4;
  double alpha = 8;
  std::vector<std::string> targets = {"query", "value"};  // module names (the last path component) given a LoRA
  // The head, trained in full (PEFT's modules_to_save): the classifier, re-initialised per task, and by default the
  // pooler too, which a masked-LM-pretrained BERT never trained (pass {"classifier"} to keep a pretrained pooler).
  std::vector<std::string> head_modules = {"classifier", "bert.pooler"};
  uint64_t seed = 0;       // batches, dropout and the head's initialisation
  uint64_t init_seed = 0;  // the LoRA's initial A, shared by every task (so that adapters differ by their task)
  bool score_dev = true;   // score each checkpoint on the dev split too
};

struct GlueCheckpoint {
  LoraAdapter adapter;  // float32 CPU copies; the head in saved_modules
  int64_t step = 0;
  double train_score = 0;              // main metric on the training-split sample
  std::map<std::string, double> dev;   // every metric of the task on dev (empty without score_dev)
};

struct GlueFinetuneResult {
  std::vector<GlueCheckpoint> checkpoints;     // in step order
  std::map<std::string, torch::Tensor> head;   // the frozen head, by its registered names
  double head_only_train_score = 0;            // the frozen head without a LoRA (training-split sample)
  std::map<std::string, double> head_only_dev;
  bool cancelled = false;
};

using FinetuneProgress = std::function<bool(int64_t step, int64_t total, double loss)>;  // false cancels

// Leaves `classifier` as it found it (no LoRA, its head restored) when done, failed or cancelled.
GlueFinetuneResult finetune_glue_lora(models::BertClassifier& classifier, const EncodedSplit& train,
                                      const EncodedSplit& train_sample, const EncodedSplit& dev,
                                      const GlueFinetuneOptions& options, const FinetuneProgress& progress = {});

// The registered names of the parameters under `modules` ("classifier" → classifier.weight, classifier.bias; RoBERTa's
// classifier.dense.* and classifier.out_proj.*). Error when there are none.
std::vector<std::string> head_parameter_names(models::BertClassifier& classifier, const std::vector<std::string>& modules);

}  // namespace lorastudio::glue
