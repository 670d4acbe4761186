#pragma once
// Style LoRAs: LoCon adapters on the stylizer's convolutions (a k×k down-projection to r channels, a 1×1
// up-projection), held in the foundation's LoraAdapter so that the formats, ΔW math, mixing, zoos and the
// generator all work on them. The stylizer runs with W + ΔW in place of each adapted convolution.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"
#include "core/style/stylizer.h"

namespace lorastudio {

constexpr const char* kStylizerBaseModel = "lora-studio/stylizer";

struct StyleLoraConfig {
  int64_t rank = 4;
  double alpha = 4;                  // scale alpha/rank
  std::vector<std::string> targets;  // module paths; empty = every convolution
};

// A fresh adapter for `stylizer`: A ~ Kaiming-uniform as PEFT initialises lora_A, B = 0 (ΔW = 0), in float32.
// Throws Error for a target that is not one of the stylizer's convolutions.
LoraAdapter new_style_lora(const Stylizer& stylizer, const StyleLoraConfig& config, uint64_t seed);

// Each module's ΔW shaped as its convolution's weight (differentiable in A and B), for Stylizer::forward.
// Throws FileError(label, …) when a module is not a convolution of the stylizer or its shape does not fit.
ConvDeltas conv_deltas(const Stylizer& stylizer, const LoraAdapter& adapter, const std::string& label = "adapter");

// The stylizer's output with `adapter` applied (none: the base), clamped to [0, 1], without gradients.
// Images [N, 3, H, W] or [3, H, W] with even H and W.
torch::Tensor stylize(Stylizer& stylizer, const torch::Tensor& images, const LoraAdapter* adapter = nullptr);

}  // namespace lorastudio
