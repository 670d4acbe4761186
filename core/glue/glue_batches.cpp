#include "core/glue/glue_batches.h"

#include <algorithm>

#include "core/glue/glue_metrics.h"
#include "core/util/error.h"

namespace lorastudio::glue {

EncodedSplit encode_split(const GlueSplit& split, const text::Tokenizer& tokenizer, int64_t max_length,
                          int64_t limit) {
  EncodedSplit out;
  out.split = split;
  if (limit > 0 && static_cast<int64_t>(out.split.examples.size()) > limit) out.split.examples.resize(limit);
  out.pad_id = tokenizer.pad_token().id;
  text::EncodeOptions options;
  options.max_length = max_length;
  for (const GlueExample& e : out.split.examples) {
    out.rows.push_back(e.text_b.empty() ? tokenizer.encode(e.text_a, options)
                                        : tokenizer.encode_pair(e.text_a, e.text_b, options));
  }
  return out;
}

EncodedSplit subset(const EncodedSplit& split, const std::vector<int64_t>& indices) {
  EncodedSplit out;
  out.split.task = split.split.task;
  out.split.split = split.split.split;
  out.split.path = split.split.path;
  out.pad_id = split.pad_id;
  for (int64_t i : indices) {
    out.split.examples.push_back(split.split.examples.at(i));
    out.rows.push_back(split.rows.at(i));
  }
  return out;
}

Batch make_batch(const EncodedSplit& split, const std::vector<int64_t>& indices) {
  const auto rows = static_cast<int64_t>(indices.size());
  int64_t longest = 1;
  for (int64_t i : indices) longest = std::max<int64_t>(longest, static_cast<int64_t>(split.rows.at(i).size()));
  Batch b;
  b.ids = torch::full({rows, longest}, split.pad_id, torch::kLong);
  b.mask = torch::zeros({rows, longest}, torch::kLong);
  b.types = torch::zeros({rows, longest}, torch::kLong);
  const bool regression = glue_task_info(split.split.task).regression;
  b.labels = torch::zeros({rows}, regression ? torch::kFloat : torch::kLong);
  auto ids = b.ids.accessor<int64_t, 2>(), mask = b.mask.accessor<int64_t, 2>(), types = b.types.accessor<int64_t, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    const text::Encoding& e = split.rows[indices[r]];
    for (size_t t = 0; t < e.size(); ++t) {
      ids[r][t] = e.ids[t];
      mask[r][t] = 1;
      types[r][t] = e.type_ids.empty() ? 0 : e.type_ids[t];
    }
    const GlueExample& x = split.split.examples[indices[r]];
    if (regression) b.labels[r] = x.score;
    else b.labels[r] = x.label;
  }
  return b;
}

Predictions predict(models::BertClassifier& classifier, const EncodedSplit& split, int64_t batch) {
  torch::NoGradGuard no_grad;
  const bool was_training = classifier->is_training();
  classifier->eval();
  const bool regression = glue_task_info(split.split.task).regression;
  Predictions p;
  for (int64_t start = 0; start < split.size(); start += batch) {
    std::vector<int64_t> idx;
    for (int64_t i = start; i < std::min(split.size(), start + batch); ++i) idx.push_back(i);
    Batch b = make_batch(split, idx);
    torch::Tensor logits = classifier(b.ids, b.mask, b.types).to(torch::kFloat);
    if (regression) {
      auto s = logits.select(1, 0).contiguous();
      p.scores.insert(p.scores.end(), s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
    } else {
      auto a = logits.argmax(1).contiguous();
      for (int64_t i = 0; i < a.numel(); ++i) p.labels.push_back(static_cast<int>(a.data_ptr<int64_t>()[i]));
    }
  }
  classifier->train(was_training);
  return p;
}

std::map<std::string, double> score_classifier(models::BertClassifier& classifier, const EncodedSplit& split,
                                               int64_t batch) {
  const Predictions p = predict(classifier, split, batch);
  return task_metrics(split.split.task, p.labels, p.scores, split.split);
}

double main_metric(GlueTask task, const std::map<std::string, double>& metrics) {
  const std::string& name = glue_task_info(task).metrics.front();
  const auto it = metrics.find(name);
  if (it == metrics.end()) throw Error("no " + name + " among the " + to_string(task) + " metrics");
  return it->second;
}

}  // namespace lorastudio::glue
