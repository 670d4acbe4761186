#pragma once
// PEFT: adapter_config.json + adapter_model.safetensors, keys base_model.model.<path>.lora_A.weight.
#include <string>

#include "core/formats/adapter_io.h"

namespace lorastudio {

// `path` is the adapter directory (or its adapter_model.safetensors).
LoadedAdapter read_peft_adapter(const std::string& path);
SaveResult write_peft_adapter(const LoraAdapter& adapter, const std::string& directory);

}  // namespace lorastudio
