#pragma once
// The style world's results table: generated candidates scored on the bundle's check photos against the true
// output of the condition's style (a bundled style's, else the reference style the condition image defines),
// placed against the atlas of training checkpoints, and compared with the style's best checkpoint and soup.
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"
#include "core/studio/candidate_table.h"

namespace lorastudio {

class StyleDemo;

// `latents` [N, dim] where sampling left each adapter; `condition_image` the image they were generated from.
// Without OpenCV (no true styles) the candidates are placed but not scored.
CandidateTable style_candidate_table(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                     const torch::Tensor& latents, const std::string& condition_image);

}  // namespace lorastudio
