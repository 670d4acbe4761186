#pragma once
// The text world's base model: a small BERT with its masked-language-model head that answers "yes" or "no" at a
// [MASK]. The input is only the text to judge — [CLS] text [SEP] [MASK] [SEP] — never the task's name, so a task is
// fully defined by the LoRA applied to the model. The answer is the head's two logits at the mask (no, yes); its
// probability a softmax over just those two.
//
//   YesNoModel m = YesNoModel::load("CACHE/base");              // config.json, model.safetensors, vocab.txt
//   YesNoTexts t = m.encode({"small songbird with a red breast"});
//   std::vector<double> p = m.yes_probability(t);                // with whatever adapter is attached to m.module()
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/bert_pretraining.h"
#include "core/text/tokenizer.h"

namespace lorastudio::textworld {

// Texts tokenised for the model, unpadded, with their labels (1 yes, 0 no; -1 unknown).
struct YesNoTexts {
  std::vector<std::vector<int64_t>> ids;  // [CLS] text [SEP] [MASK] [SEP], the text cut to fit max_length
  std::vector<int> labels;
  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  YesNoTexts subset(const std::vector<int64_t>& rows) const;
};

struct YesNoBatch {
  torch::Tensor ids, mask, types;  // [rows, longest] int64
  torch::Tensor positions;         // [rows] flat indices of the [MASK]s in [rows·longest]
  torch::Tensor labels;            // [rows] int64
  YesNoBatch to(const torch::Device& device) const;
};

class YesNoModel {
 public:
  // FileError naming the folder when the files are missing or the vocabulary lacks yes, no or [MASK].
  static YesNoModel load(const std::string& dir);
  YesNoModel(models::BertForPreTraining model, std::shared_ptr<const text::Tokenizer> tokenizer,
             const std::vector<std::string>& vocabulary, const std::string& label);

  // `max_length` 0: the model's own (set_max_length; 64 unless set).
  YesNoTexts encode(const std::vector<std::string>& texts, const std::vector<int>& labels = {},
                    int64_t max_length = 0) const;
  YesNoBatch batch(const YesNoTexts& texts, const std::vector<int64_t>& rows) const;
  // [rows, 2] logits of (no, yes) at the mask, in the model's current mode and gradient state.
  torch::Tensor logits(const YesNoBatch& batch);
  // P(yes) per text, in evaluation mode without gradients, `chunk` texts at a time.
  std::vector<double> yes_probability(const YesNoTexts& texts, int64_t chunk = 256);
  // The share of labelled texts answered right (P(yes) > 1/2 ⇔ label 1).
  double accuracy(const YesNoTexts& texts, int64_t chunk = 256);

  // Tokens per input, specials included, that encode() cuts to by default: what the adapters were trained with.
  void set_max_length(int64_t max_length) { max_length_ = max_length; }
  int64_t max_length() const { return max_length_; }

  models::BertForPreTraining& module() { return model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  int64_t yes_id() const { return yes_; }
  int64_t no_id() const { return no_; }

 private:
  models::BertForPreTraining model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  int64_t cls_ = 0, sep_ = 0, mask_ = 0, yes_ = 0, no_ = 0;
  int64_t max_length_ = 64;
  torch::Tensor candidates_;  // (no, yes)
};

// The share of `probabilities` on the right side of 1/2 for `labels`.
double yes_no_accuracy(const std::vector<double>& probabilities, const std::vector<int>& labels);

}  // namespace lorastudio::textworld
