#pragma once
// Training a WordPiece vocabulary on a corpus, as Hugging Face tokenizers' WordPieceTrainer does: the corpus is
// split into words as BERT's tokenizer splits it (bert_pre_tokenize), each word starts as its characters (every
// one after the first with the "##" continuation prefix), and the most frequent adjacent pair is merged, again and
// again, until the vocabulary has the size asked for or no pair occurs `min_frequency` times. Ties go to the pair
// of smaller token ids, so the result is deterministic. The vocabulary is the special tokens, the alphabet, then
// the merged tokens in merge order: a vocab.txt that WordPieceTokenizer reads.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/text/wordpiece_tokenizer.h"

namespace lorastudio::text {

struct WordPieceTrainerOptions {
  int64_t vocab_size = 8000;
  int64_t min_frequency = 2;
  std::vector<std::string> special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  WordPieceOptions normalization;  // lower-casing and accent stripping, as the tokenizer will run
};

// Progress: merges done, merges at most; false cancels (the vocabulary so far is returned).
using WordPieceTrainerProgress = std::function<bool(int64_t done, int64_t total)>;

std::vector<std::string> train_wordpiece_vocabulary(const std::vector<std::string>& corpus,
                                                    const WordPieceTrainerOptions& options = {},
                                                    const WordPieceTrainerProgress& progress = {});

}  // namespace lorastudio::text
