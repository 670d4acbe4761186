#pragma once
// Reading and writing LoRA adapters in the formats users exchange, through the one LoraAdapter model:
//  - PEFT:      a directory with adapter_config.json + adapter_model.safetensors
//               (keys base_model.model.<path>.lora_A.weight / lora_B.weight / lora_magnitude_vector)
//  - diffusers: pytorch_lora_weights.safetensors (keys transformer.<path>.lora_A.weight, unet.…, text_encoder.…;
//               also the older .lora.down.weight / .lora_linear_layer.down.weight), alpha in the
//               "lora_adapter_metadata" metadata entry or in <prefix>.<path>.alpha tensors
//  - kohya:     one .safetensors file (keys lora_unet_<path_with_underscores>.lora_down.weight / lora_up.weight / alpha)
#include <optional>
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

enum class AdapterFormat { Peft, Diffusers, Kohya };

const char* format_name(AdapterFormat format);                        // "peft", "diffusers", "kohya"
std::optional<AdapterFormat> parse_format_name(const std::string& name);

struct LoadedAdapter {
  LoraAdapter adapter;
  AdapterFormat format = AdapterFormat::Peft;
  std::string weights_path;            // the .safetensors file read
  std::vector<std::string> notes;      // things worth telling the user (e.g. "alpha not stored; assumed = rank")
};

// Detects the format from the directory contents or the file's tensor names; throws FileError if it is none.
AdapterFormat detect_adapter_format(const std::string& path);

// Reads an adapter; any disagreement between config and tensors (rank, missing weights, missing config,
// modules outside target_modules) is a FileError that says what disagrees.
LoadedAdapter load_adapter(const std::string& path);

struct SaveOptions {
  std::string component;  // diffusers/kohya prefix when modules carry none (default "transformer" / "unet")
};

// PEFT and diffusers write into the directory `path` (created if needed; a path ending in ".safetensors"
// names the weights file itself for diffusers and kohya). Files are written to temporary names and renamed.
struct SaveResult {
  std::string weights_path;         // the .safetensors file written
  std::vector<std::string> notes;   // e.g. what the target format cannot hold
};
SaveResult save_adapter(const LoraAdapter& adapter, AdapterFormat format, const std::string& path,
                        const SaveOptions& options = {});

}  // namespace lorastudio
