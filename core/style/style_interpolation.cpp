#include "core/style/style_interpolation.h"

#include "core/imaging/image_metrics.h"
#include "core/math/lora_mixing.h"
#include "core/style/stylizer_lora.h"
#include "core/util/error.h"

namespace lorastudio {

std::vector<InterpolationFrame> interpolation_strip(Stylizer& stylizer, const LoraAdapter& a, const LoraAdapter& b,
                                                   const torch::Tensor& photo, int steps, const Style* style_a,
                                                   const Style* style_b) {
  if (steps < 2) throw Error("interpolation: at least 2 steps");
  const torch::Tensor truth_a = style_a ? style_a->apply(photo) : torch::Tensor();
  const torch::Tensor truth_b = style_b ? style_b->apply(photo) : torch::Tensor();
  std::vector<InterpolationFrame> frames;
  for (int i = 0; i < steps; ++i) {
    InterpolationFrame f;
    f.lambda = static_cast<double>(i) / static_cast<double>(steps - 1);
    const LoraAdapter mixed = interpolate(a, b, f.lambda);
    f.image = stylize(stylizer, photo, &mixed);
    if (truth_a.defined()) f.psnr_a = psnr(f.image, truth_a);
    if (truth_b.defined()) f.psnr_b = psnr(f.image, truth_b);
    frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace lorastudio
