#pragma once
// The text world's base model, made here from WordNet: the corpus (every synset's lemmas, definition and first
// example), a WordPiece vocabulary trained on it, and a small BERT pretrained on it with masked-language modelling
// (mlm_pretraining.h), its token embeddings optionally initialised from pretrained word vectors (GloVe), so that
// words the glosses rarely use still start near their meaning.
//
//   auto corpus = wordnet_corpus(wn);                       // "robin, redbreast: small Old World songbird …\t…"
//   auto vocab  = text_world_vocabulary(corpus, 8000);      // with "yes" and "no" as whole tokens
//   MlmOptions o = …; o.initialise = word_vector_initialiser(WordVectors::cached());
//   glue::pretrain_mlm(corpus, vocab, o);
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/glue/mlm_pretraining.h"
#include "core/text/word_vectors.h"
#include "core/wordnet/wordnet_database.h"

namespace lorastudio::textworld {

// One entry per synset of the loaded parts of speech, in file order: "lemma, lemma: definition", then a tab and
// its first example sentence when it has one (next-sentence prediction pairs the two).
std::vector<std::string> wordnet_corpus(const wordnet::WordNet& wordnet);

// A WordPiece vocabulary of about `size` tokens trained on the corpus, with "yes" and "no" added as whole tokens
// when training did not make them. Progress: merges done of at most; false cancels (an empty vocabulary returns).
std::vector<std::string> text_world_vocabulary(const std::vector<std::string>& corpus, int64_t size,
                                               const std::function<bool(int64_t, int64_t)>& progress = {});

// Copies word vectors into the token embeddings of whole-word tokens the vectors know (the first min(hidden,
// dimensions) coordinates, scaled to the initialisation's standard deviation of 0.02); sub-word pieces and
// special tokens keep their random start. `initialised` (optional) receives how many rows were set.
std::function<void(models::BertForPreTraining&, const text::Tokenizer&)> word_vector_initialiser(
    text::WordVectors vectors, const std::vector<std::string>& vocabulary, int64_t* initialised = nullptr);

}  // namespace lorastudio::textworld
