#pragma once
// LoRA fine-tuning of the yes/no model on one task, with Cond P-Diff's checkpoint harvesting: the adapters after
// each of the last N steps, each scored on a fixed sample of the training split (what ranks checkpoints and
// generated adapters) and on the dev split. Only the LoRA factors train (the answer comes from the pretrained
// masked-LM head), so the adapter alone is the task. Dropout as in training; runs on the model's device;
// deterministic for a seed on the CPU; progress through a callback that can cancel.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"
#include "core/textworld/yes_no_model.h"

namespace lorastudio::textworld {

struct YesNoTuningOptions {
  int64_t steps = 300;
  int64_t keep_last = 50;  // N checkpoints (Cond P-Diff keeps 150–200)
  int64_t batch = 32;
  double lr = 5e-3;        // AdamW, linear warm-up over `warmup` steps, then constant
  int64_t warmup = 20;
  int64_t rank = 2;
  double alpha = 4;
  std::vector<std::string> targets = {"query", "value"};  // attention projections of every layer
  // Train B only, on the A every task shares (LoRA-FA): adapters then differ in B alone, which is what the
  // generator learns to write (its autoencoder drops the coordinates that never vary).
  bool freeze_a = true;
  uint64_t seed = 0;       // batches and dropout
  uint64_t init_seed = 0;  // the LoRA's initial A, shared by every task (so that adapters differ by their task)
};

struct YesNoCheckpoint {
  LoraAdapter adapter;  // float32 CPU copies
  int64_t step = 0;
  double train_accuracy = 0;  // on the training-split sample
  double dev_accuracy = 0;
};

struct YesNoTuningResult {
  std::vector<YesNoCheckpoint> checkpoints;  // in step order
  double base_train_accuracy = 0, base_dev_accuracy = 0;  // the model without a LoRA
  bool cancelled = false;
};

using YesNoTuningProgress = std::function<bool(int64_t step, int64_t total, double loss)>;  // false cancels

// Leaves the model as it found it (no LoRA, its weights bit for bit) when done, failed or cancelled.
YesNoTuningResult tune_yes_no_lora(YesNoModel& model, const YesNoTexts& train, const YesNoTexts& train_sample,
                                   const YesNoTexts& dev, const YesNoTuningOptions& options,
                                   const YesNoTuningProgress& progress = {});

}  // namespace lorastudio::textworld
