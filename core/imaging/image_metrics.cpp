#include "core/imaging/image_metrics.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio {

double psnr(const torch::Tensor& image, const torch::Tensor& reference) {
  if (image.sizes() != reference.sizes()) throw Error("psnr: the images differ in shape");
  const double mse = (image.to(torch::kDouble).clamp(0, 1) - reference.to(torch::kDouble)).pow(2).mean().item<double>();
  return mse > 0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity();
}

}  // namespace lorastudio
