#pragma once
// kohya-ss flattens module paths: "transformer_blocks.0.attn1.to_out.0" -> "transformer_blocks_0_attn1_to_out_0".
// Flattening loses which underscores were dots. Files LoRA Studio writes carry the exact names in
// metadata; for other files the names are rebuilt from a vocabulary of the identifiers that diffusers
// and transformers models use (an unknown identifier with underscores comes back split at them, which
// changes the name but never the weights).
#include <string>

namespace lorastudio {

std::string flatten_kohya_name(const std::string& path);     // dots -> underscores
std::string unflatten_kohya_name(const std::string& flat);   // best reconstruction of the dotted path
// True when unflatten_kohya_name could explain every underscore-joined identifier by its vocabulary.
bool kohya_name_is_certain(const std::string& flat);

// Prefixes of kohya keys per pipeline component.
std::string kohya_prefix_for(const std::string& component);  // "unet"/"transformer"/"" -> "lora_unet_", ...
// Splits "lora_te2_text_model_..." into component ("text_encoder_2") and the flat rest; false if no known prefix.
bool split_kohya_prefix(const std::string& key, std::string* component, std::string* flat);

}  // namespace lorastudio
