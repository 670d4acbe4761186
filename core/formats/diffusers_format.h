#pragma once
// diffusers: pytorch_lora_weights.safetensors with component-prefixed keys
// (transformer.<path>.lora_A.weight, unet.…, text_encoder.…; older .lora.down.weight,
// .lora_linear_layer.down.weight and .processor.to_q_lora.down.weight forms are read too).
#include <string>

#include "core/formats/adapter_io.h"

namespace lorastudio {

LoadedAdapter read_diffusers_adapter(const std::string& path);  // directory or .safetensors file
// `path`: a directory (pytorch_lora_weights.safetensors inside) or a .safetensors file.
SaveResult write_diffusers_adapter(const LoraAdapter& adapter, const std::string& path, const std::string& component);

// True when a tensor name looks like a diffusers LoRA key.
bool is_diffusers_lora_key(const std::string& name);

}  // namespace lorastudio
