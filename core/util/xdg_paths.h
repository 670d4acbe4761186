#pragma once
// Where LoRA Studio keeps user data, caches and settings (XDG base directories).
#include <string>

namespace lorastudio {

std::string user_data_dir();    // $XDG_DATA_HOME/lora-studio   (default ~/.local/share/lora-studio)
std::string user_cache_dir();   // $XDG_CACHE_HOME/lora-studio  (default ~/.cache/lora-studio)
std::string user_config_dir();  // $XDG_CONFIG_HOME/lora-studio (default ~/.config/lora-studio)

}  // namespace lorastudio
