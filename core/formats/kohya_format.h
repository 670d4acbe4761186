#pragma once
// kohya-ss: one .safetensors file, keys lora_unet_<flat_path>.lora_down.weight / lora_up.weight / alpha
// (lora_te_ / lora_te1_ / lora_te2_ for text encoders, lora_transformer_ from some DiT trainers).
#include <string>

#include "core/formats/adapter_io.h"

namespace lorastudio {

LoadedAdapter read_kohya_adapter(const std::string& path);
// `path`: a .safetensors file, or a directory (lora.safetensors inside).
SaveResult write_kohya_adapter(const LoraAdapter& adapter, const std::string& path, const std::string& component);

bool is_kohya_lora_key(const std::string& name);

}  // namespace lorastudio
