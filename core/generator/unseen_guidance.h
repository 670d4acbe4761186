#pragma once
// Guidance per kind of condition. Classifier-free guidance pulls a condition toward what the generator learned for
// it; for a condition it never trained on (a held-out task, a typed description) that can be the wrong training task,
// so a record of sampling (a recipe's evaluation, a demo bundle's "sampling") may give those their own scale:
// "unseen_guidance" beside "sampler", "steps" and "guidance" (generation.h's read_sampling).
#include <nlohmann/json.hpp>

#include "core/generator/generation.h"

namespace lorastudio {

// read_sampling, and "unseen_guidance" (from 0 to kMaxGuidance; absent: the record's guidance).
void read_sampling(const JsonReader& r, GenerateOptions& options, double& unseen_guidance);
// sampling_json, with "unseen_guidance" only when it differs from the guidance (older readers see the same record).
nlohmann::json sampling_json(const GenerateOptions& options, double unseen_guidance);

// `options` with the unseen guidance unless the condition is one the generator trained on (NaN: unchanged).
GenerateOptions sampling_for_condition(GenerateOptions options, double unseen_guidance, bool trained_on);

}  // namespace lorastudio
