#pragma once
// The stylizer's weights file: safetensors with the module's own names as keys and its config as metadata
// ("format": "lora-studio-stylizer", "channels", "blocks"), written by `pretrain-stylizer`.
#include <map>
#include <string>

#include "core/style/stylizer.h"

namespace lorastudio {

void save_stylizer(const Stylizer& stylizer, const std::string& path, std::map<std::string, std::string> metadata = {});
// FileError naming the file when it is not a stylizer file or a weight is missing or misshapen.
Stylizer load_stylizer(const std::string& path);

}  // namespace lorastudio
