#pragma once
// A GLUE split tokenised for a BERT-family classifier, cut into padded batches, and a classifier scored on it:
// its predictions and the task's metrics (glue_metrics.h).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/glue/glue_task.h"
#include "core/models/bert_model.h"
#include "core/text/tokenizer.h"

namespace lorastudio::glue {

struct EncodedSplit {
  GlueSplit split;                    // the examples (labels and scores)
  std::vector<text::Encoding> rows;   // one per example, [CLS] a [SEP] (b [SEP]), cut to max_length, unpadded
  int64_t pad_id = 0;
  int64_t size() const { return static_cast<int64_t>(rows.size()); }
};

// Tokenises every example (longest-first truncation to `max_length`). `limit` > 0 keeps the first `limit`.
EncodedSplit encode_split(const GlueSplit& split, const text::Tokenizer& tokenizer, int64_t max_length,
                          int64_t limit = 0);
// The same split restricted to `indices` (in that order).
EncodedSplit subset(const EncodedSplit& split, const std::vector<int64_t>& indices);

struct Batch {
  torch::Tensor ids, mask, types;  // [rows, longest] int64
  torch::Tensor labels;            // [rows] int64 (classification) or float (regression)
};
// The rows `indices`, padded to the longest among them.
Batch make_batch(const EncodedSplit& split, const std::vector<int64_t>& indices);

struct Predictions {
  std::vector<int> labels;     // argmax per example (classification)
  std::vector<double> scores;  // the regression output (STS-B)
};
// The classifier's predictions over the whole split, in batches, in evaluation mode and without gradients.
Predictions predict(models::BertClassifier& classifier, const EncodedSplit& split, int64_t batch = 64);

// The task's metrics of the classifier as it is now (with whatever adapter is attached).
std::map<std::string, double> score_classifier(models::BertClassifier& classifier, const EncodedSplit& split,
                                               int64_t batch = 64);
// The task's main metric (the first of glue_task_info(task).metrics) out of a metrics map.
double main_metric(GlueTask task, const std::map<std::string, double>& metrics);

}  // namespace lorastudio::glue
