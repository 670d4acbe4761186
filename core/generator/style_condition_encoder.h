#pragma once
// The "style" condition encoder: what a style image looks like, for style LoRAs. Trained jointly with the
// denoiser (as Cond P-Diff's image extractor), but handed the statistics a style is made of rather than
// left to find them:
//  - colour: a soft 4×4×4 RGB histogram (the palette) and each channel's mean and spread;
//  - texture: the mean and spread of every channel of a small CNN's feature maps at four scales
//    (the statistics style transfer matches, as in AdaIN), which see strokes, edges, grain and flatness;
// projected to `dim` by a two-layer MLP. Content (where things are) is pooled away.
#include "core/generator/condition_encoder.h"

namespace lorastudio {

struct StyleConditionEncoderImpl : ConditionEncoderImpl {
  StyleConditionEncoderImpl(int64_t dim, int64_t image_size);
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override;
  int64_t output_dim() const override { return dim; }
  // The fixed statistics of images [N, 3, S, S] in [0, 1]: [N, 64 + 6].
  static torch::Tensor colour_statistics(const torch::Tensor& images);

  int64_t dim, image_size;
  torch::nn::ModuleList stages{nullptr};  // four conv stages (stride 2 each)
  torch::nn::Sequential head{nullptr};
};

}  // namespace lorastudio
