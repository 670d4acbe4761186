#include "core/imaging/image_metrics.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio {

namespace F = torch::nn::functional;

double psnr(const torch::Tensor& image, const torch::Tensor& reference) {
  if (image.sizes() != reference.sizes()) throw Error("psnr: the images differ in shape");
  const double mse = (image.to(torch::kDouble).clamp(0, 1) - reference.to(torch::kDouble)).pow(2).mean().item<double>();
  return mse > 0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity();
}

namespace {

torch::Tensor as_batch(const torch::Tensor& t) { return (t.dim() == 3 ? t.unsqueeze(0) : t).to(torch::kDouble); }

// A separable window as a [C, 1, k, k] depthwise kernel.
torch::Tensor gaussian_window(int64_t channels, int64_t size, double sigma) {
  const torch::Tensor x = torch::arange(size, torch::kDouble) - static_cast<double>(size - 1) / 2.0;
  torch::Tensor g = torch::exp(-(x * x) / (2 * sigma * sigma));
  g = g / g.sum();
  return torch::outer(g, g).expand({channels, 1, size, size}).contiguous();
}

}  // namespace

double ssim(const torch::Tensor& image, const torch::Tensor& reference) {
  if (image.sizes() != reference.sizes()) throw Error("ssim: the images differ in shape");
  const torch::Tensor x = as_batch(image).clamp(0, 1), y = as_batch(reference);
  if (x.dim() != 4 || x.size(2) < 11 || x.size(3) < 11) throw Error("ssim: images must be [N, C, H, W] of at least 11×11");
  const int64_t c = x.size(1);
  const torch::Tensor w = gaussian_window(c, 11, 1.5);
  auto filter = [&](const torch::Tensor& t) { return F::conv2d(t, w, F::Conv2dFuncOptions().groups(c)); };
  const torch::Tensor mx = filter(x), my = filter(y);
  const torch::Tensor sxx = filter(x * x) - mx * mx, syy = filter(y * y) - my * my, sxy = filter(x * y) - mx * my;
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  const torch::Tensor map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  return map.mean().item<double>();
}

namespace {

// [levels] lists of 7×7×3 descriptors [n, 147] drawn from the Laplacian pyramid of each image.
std::vector<torch::Tensor> pyramid_descriptors(const std::vector<torch::Tensor>& images, const SwdOptions& o,
                                               torch::Generator& gen) {
  std::vector<std::vector<torch::Tensor>> per_level(static_cast<size_t>(o.levels));
  for (const auto& image : images) {
    if (image.dim() != 3 || image.size(0) != 3 || image.size(1) < 16 || image.size(2) < 16)
      throw Error("sliced_wasserstein: images must be [3, H, W] of at least 16×16");
    torch::Tensor current = image.to(torch::kDouble).clamp(0, 1).unsqueeze(0);
    for (int level = 0; level < o.levels && current.size(2) >= 8 && current.size(3) >= 8; ++level) {
      const torch::Tensor down = F::avg_pool2d(current, F::AvgPool2dFuncOptions(2));
      const torch::Tensor up =
          F::interpolate(down, F::InterpolateFuncOptions().size(std::vector<int64_t>{current.size(2), current.size(3)}).mode(torch::kBilinear).align_corners(false));
      const torch::Tensor band = level + 1 == o.levels ? current : current - up;  // the last level keeps the low-pass
      const torch::Tensor patches = F::unfold(band, F::UnfoldFuncOptions({7, 7})).squeeze(0).t();  // [positions, 147]
      const torch::Tensor pick = torch::randint(patches.size(0), {o.patches_per_image}, gen, torch::kLong);
      per_level[static_cast<size_t>(level)].push_back(patches.index_select(0, pick));
      current = down;
    }
  }
  std::vector<torch::Tensor> out;
  for (auto& list : per_level)
    if (!list.empty()) out.push_back(torch::cat(list));
  return out;
}

}  // namespace

double sliced_wasserstein(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b, const SwdOptions& o) {
  if (a.empty() || b.empty()) throw Error("sliced_wasserstein: both image sets must be non-empty");
  if (o.levels < 1 || o.patches_per_image < 1 || o.directions < 1) throw Error("sliced_wasserstein: bad options");
  torch::Generator gen = at::detail::createCPUGenerator(o.seed + 12345);
  const std::vector<torch::Tensor> da = pyramid_descriptors(a, o, gen), db = pyramid_descriptors(b, o, gen);
  const size_t levels = std::min(da.size(), db.size());
  double total = 0;
  for (size_t l = 0; l < levels; ++l) {
    // Standardise each of the 3 colour channels over both sets (descriptor layout is channel-major: 3 × 49).
    const torch::Tensor both = torch::cat({da[l], db[l]}).view({-1, 3, 49});
    const torch::Tensor per_channel = both.transpose(0, 1).reshape({3, -1});
    const torch::Tensor mean = per_channel.mean(1).view({1, 3, 1});
    const torch::Tensor stddev = (per_channel - mean.view({3, 1})).pow(2).mean(1).sqrt().clamp_min(1e-8).view({1, 3, 1});
    auto standard = [&](const torch::Tensor& d) { return ((d.view({-1, 3, 49}) - mean) / stddev).view({-1, 147}); };
    torch::Tensor dirs = torch::randn({147, o.directions}, gen, torch::kDouble);
    dirs = dirs / dirs.norm(2, 0, true);
    const int64_t n = std::min(da[l].size(0), db[l].size(0));
    const torch::Tensor pa = std::get<0>(standard(da[l]).narrow(0, 0, n).mm(dirs).sort(0));
    const torch::Tensor pb = std::get<0>(standard(db[l]).narrow(0, 0, n).mm(dirs).sort(0));
    total += (pa - pb).abs().mean().item<double>();
  }
  return total / static_cast<double>(levels) * 1000.0;
}

}  // namespace lorastudio
