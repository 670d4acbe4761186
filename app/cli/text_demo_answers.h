#pragma once
// `generate --demo text-wordnet`: what the generated adapters do. When the description is one of a suite task's,
// each adapter's accuracy on the task's test split beside the base model's; and for a few definitions (given,
// the task's, or a sample of the suite's) the base model's P(yes) beside the adapters'. Printed and returned as
// the report's "text_demo" entry.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/lora/lora_adapter.h"
#include "core/textworld/text_demo.h"

namespace lorastudio::cli {

nlohmann::json text_demo_answers(const textworld::TextDemo& demo, const std::vector<LoraAdapter>& adapters,
                                 const wordnet::WordNetTask* task, const std::vector<std::string>& definitions);

}  // namespace lorastudio::cli
