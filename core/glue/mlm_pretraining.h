#pragma once
// Pretraining a small BERT here, from scratch, with BERT's two objectives on the GLUE training text, so that the
// Cond P-Diff GLUE pipeline runs end to end without downloaded weights:
//  - masked-language modelling: 15% of the tokens chosen, of those 80% replaced by [MASK], 10% by a random token,
//    10% kept; cross-entropy on the chosen ones;
//  - next-sentence prediction on the pooled [CLS]: [CLS] A [SEP] B [SEP] where B is A's own second half (a pair
//    task's second text, or a single text's second half) or, half of the time, another entry's. This is what trains
//    [CLS] and the pooler, which sequence classifiers read.
//
//   auto corpus = glue_training_corpus(glue_dir, {GlueTask::SST2, …});
//   auto vocab  = trim_wordpiece_vocabulary("bert-base-uncased/vocab.txt", corpus);   // what the text uses
//   MlmResult r = pretrain_mlm(corpus, vocab, options, progress);                      // writes options.out_dir
//
// Deterministic for a seed on the CPU (the masking is drawn on the host on every device); progress through a callback that can cancel (the model is then not written).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/glue/glue_task.h"
#include "core/models/bert_pretraining.h"
#include "core/text/tokenizer.h"

namespace lorastudio::glue {

// The training texts of the tasks: one entry per example, its two texts joined by a tab for pair tasks.
// Duplicates are dropped; order is the files'.
std::vector<std::string> glue_training_corpus(const std::filesystem::path& glue_dir, const std::vector<GlueTask>& tasks);

// The tokens of a WordPiece vocabulary (vocab.txt) that the corpus uses when tokenised with it, plus the special
// tokens and every single character (bare and "##"), in the file's order. Tokenising the corpus with the trimmed
// vocabulary gives the same tokens; other text still tokenises (characters at worst). FileError naming the file.
std::vector<std::string> trim_wordpiece_vocabulary(const std::filesystem::path& vocab_file,
                                                   const std::vector<std::string>& corpus);

struct MlmOptions {
  models::BertConfig model;  // shape (vocab_size is set from the vocabulary)
  int64_t steps = 3000;
  int64_t batch = 64;
  int64_t max_length = 64;
  double lr = 1e-3;             // AdamW, linear warm-up then linear decay to 0
  double warmup = 0.06;         // fraction of the steps
  double weight_decay = 0.01;
  double mask_probability = 0.15;
  uint64_t seed = 0;
  std::string device = "cpu";   // "cpu", "cuda" or "cuda:N"; the model is written from the CPU either way
  std::string out_dir;          // config.json, model.safetensors (BertForPreTraining keys) and vocab.txt
  // Called once on the freshly initialised model (CPU, without gradients) before training: e.g. word vectors
  // copied into the token embeddings.
  std::function<void(models::BertForPreTraining&, const text::Tokenizer&)> initialise;
};

struct MlmResult {
  double final_loss = 0;       // running mean over the last 100 steps
  double masked_accuracy = 0;         // on held-back texts (1 in 50 of the corpus), masked as in training
  double next_sentence_accuracy = 0;  // on the same texts, paired as in training
  int64_t parameters = 0;
  int64_t texts = 0;
  bool cancelled = false;
};

using MlmProgress = std::function<bool(int64_t step, int64_t total, double loss)>;  // false cancels

MlmResult pretrain_mlm(const std::vector<std::string>& corpus, const std::vector<std::string>& vocabulary,
                       const MlmOptions& options, const MlmProgress& progress = {});

}  // namespace lorastudio::glue
