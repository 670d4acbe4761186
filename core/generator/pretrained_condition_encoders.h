#pragma once
// Condition encoders backed by pretrained models (core/models), frozen: their weights are not the generator's
// (they are neither trained nor saved in its bundle; the bundle's config names the model's folder instead).
//  - clip-text: CLIP's projected text embedding of "description Examples: …", unit length (Cond P-Diff)
//  - bert-mean: a BERT or RoBERTa encoder's hidden states averaged over the tokens of (description, examples)
//  - resnet:    a torchvision ResNet's pooled features of the image, resized to image_size² and normalised with
//               ImageNet's statistics
// The tokenizer is read from the same folder. A missing or unreadable folder is a FileError naming it.
#include <memory>

#include "core/generator/condition_encoder.h"

namespace lorastudio {

std::shared_ptr<ConditionEncoderImpl> make_pretrained_condition_encoder(const ConditionEncoderConfig& config);

// "description Examples: first | second" — the one text a text model reads for a condition.
std::string condition_text(const ConditionInput& condition);

}  // namespace lorastudio
