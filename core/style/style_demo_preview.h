#pragma once
// Previews of style adapters on a photo with a demo bundle's stylizer, scored against the true output where
// one exists: the style the condition image belongs to (a bundled style's condition image), else the style the
// image defines as a reference (style_catalog.h: its colours and texture), which any image has.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"
#include "core/style/style_demo.h"

namespace lorastudio {

struct StylePreview {
  torch::Tensor photo;                // [3, h, w], fitted
  torch::Tensor base;                 // the stylizer alone
  torch::Tensor target;               // the true output (undefined without OpenCV)
  std::string target_style;           // "sepia", or "" for the reference style of the condition image
  std::vector<torch::Tensor> outputs; // one per adapter
  std::vector<double> psnr;           // each output against the target (empty without a target)
  double base_psnr = 0;
};

// `condition`: the style image the adapters were generated from ([3, H, W]); `longest`: the preview size.
StylePreview preview_style_adapters(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                    const torch::Tensor& photo, const torch::Tensor& condition, int64_t longest = 256);

}  // namespace lorastudio
