#pragma once
// Sliding between two style LoRAs: the stylizer's output on one photo for λ from 0 to 1 with the exact
// interpolation (1−λ)·ΔW_A + λ·ΔW_B, and, where the two styles are known, the PSNR against each style's true
// output at every λ (the one falls as the other rises when the change is continuous).
#include <limits>
#include <vector>

#include <torch/types.h>

#include "core/imaging/style_catalog.h"
#include "core/lora/lora_adapter.h"
#include "core/style/stylizer.h"

namespace lorastudio {

struct InterpolationFrame {
  double lambda = 0;
  torch::Tensor image;  // [3, H, W]
  double psnr_a = std::numeric_limits<double>::quiet_NaN();  // against style A's true output (NaN: unknown)
  double psnr_b = std::numeric_limits<double>::quiet_NaN();
};

// `steps` ≥ 2 frames, λ = i/(steps−1). `photo` [3, H, W] with even sides.
std::vector<InterpolationFrame> interpolation_strip(Stylizer& stylizer, const LoraAdapter& a, const LoraAdapter& b,
                                                   const torch::Tensor& photo, int steps, const Style* style_a = nullptr,
                                                   const Style* style_b = nullptr);

}  // namespace lorastudio
