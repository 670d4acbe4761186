#pragma once
// BERT with its pretraining heads, as transformers' BertForPreTraining computes them: the masked-language-model head
// (cls.predictions.transform.dense → activation → cls.predictions.transform.LayerNorm → the word embeddings as a
// tied decoder + cls.predictions.bias) and the next-sentence head on the pooled [CLS] (bert.pooler.dense → tanh →
// cls.seq_relationship), which is what trains [CLS] and the pooler that sequence classifiers read. Used to pretrain a
// small BERT here; save_bert_folder() writes a Hugging Face folder that load_bert_classifier() and transformers read.
#include <string>

#include <torch/torch.h>

#include "core/models/bert_model.h"

namespace lorastudio::models {

struct PretrainingLogits {
  torch::Tensor masked;         // [count, vocab] at the requested positions
  torch::Tensor next_sentence;  // [batch, 2]: 0 = B follows A, 1 = B is random (transformers' convention)
};

class BertForPreTrainingImpl : public torch::nn::Module {
 public:
  explicit BertForPreTrainingImpl(const BertConfig& config);
  // `positions`: flat indices into [batch·length] of the masked tokens, so that only they pay for the vocabulary.
  PretrainingLogits forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                            const torch::Tensor& token_type_ids, const torch::Tensor& positions);
  // The masked-LM head's logits for the `candidates` token ids only ([count, candidates]): a yes/no answer at a
  // [MASK] without the cost of the whole vocabulary.
  torch::Tensor candidate_logits(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                 const torch::Tensor& token_type_ids, const torch::Tensor& positions,
                                 const torch::Tensor& candidates);
  BertEncoder encoder() const { return encoder_; }
  const BertConfig& config() const { return config_; }

 private:
  torch::Tensor transformed(const torch::Tensor& hidden, const torch::Tensor& positions);

  BertConfig config_;
  BertEncoder encoder_{nullptr};
  torch::nn::Linear transform_{nullptr}, seq_relationship_{nullptr};
  torch::nn::LayerNorm transform_norm_{nullptr};
  torch::Tensor bias_;
};
TORCH_MODULE(BertForPreTraining);

// A folder save_bert_folder() wrote for BertForPreTraining (or transformers' BertForPreTraining / BertForMaskedLM
// files: the next-sentence head may be missing). FileError naming the file, in evaluation mode.
BertForPreTraining load_bert_for_pretraining(const std::string& path);

// Writes DIR/config.json (config.to_json() with `architecture`) and DIR/model.safetensors (every parameter and
// buffer by its registered name), each atomically. FileError naming the file.
void save_bert_folder(const std::string& dir, torch::nn::Module& model, const BertConfig& config,
                      const std::string& architecture);

}  // namespace lorastudio::models
