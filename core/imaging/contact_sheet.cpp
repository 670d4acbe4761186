#include "core/imaging/contact_sheet.h"

#include <algorithm>

#include <torch/torch.h>

#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_OPENCV
#include <opencv2/imgproc.hpp>
#endif

namespace lorastudio {

namespace {

constexpr int64_t kGap = 6, kCaption = 18;

void draw_caption(torch::Tensor& sheet, const std::string& text, int64_t x, int64_t y, int64_t width) {
#ifdef LORASTUDIO_HAVE_OPENCV
  torch::Tensor strip = torch::ones({kCaption, width, 3}, torch::kUInt8) * 250;
  cv::Mat m(static_cast<int>(kCaption), static_cast<int>(width), CV_8UC3, strip.data_ptr<uint8_t>());
  const double scale = 0.38;
  int base = 0;
  std::string shown = text;
  while (!shown.empty() && cv::getTextSize(shown, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base).width > width - 4) shown.pop_back();
  cv::putText(m, shown, cv::Point(2, static_cast<int>(kCaption) - 5), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(40, 40, 40), 1,
              cv::LINE_AA);
  sheet.narrow(1, y, kCaption).narrow(2, x, width).copy_(strip.permute({2, 0, 1}).to(torch::kFloat) / 255.0);
#else
  (void)sheet, (void)text, (void)x, (void)y, (void)width;
#endif
}

}  // namespace

torch::Tensor contact_sheet(const std::vector<SheetTile>& tiles, int columns) {
  if (tiles.empty()) throw Error("contact_sheet: no images");
  const torch::Tensor& first = tiles.front().image;
  if (!first.defined() || first.dim() != 3 || first.size(0) != 3) throw Error("contact_sheet: images must be [3, H, W]");
  const int64_t h = first.size(1), w = first.size(2);
  const int64_t n = static_cast<int64_t>(tiles.size());
  const int64_t cols = columns > 0 ? std::min<int64_t>(columns, n) : n;
  const int64_t rows = (n + cols - 1) / cols;
  torch::Tensor sheet = torch::full({3, kGap + rows * (h + kCaption + kGap), kGap + cols * (w + kGap)}, 0.98f);
  for (int64_t i = 0; i < n; ++i) {
    torch::Tensor img = tiles[i].image.detach().to(torch::kCPU, torch::kFloat).clamp(0, 1);
    if (img.dim() != 3 || img.size(0) != 3) throw Error("contact_sheet: images must be [3, H, W]");
    if (img.size(1) != h || img.size(2) != w)
      img = torch::nn::functional::interpolate(img.unsqueeze(0), torch::nn::functional::InterpolateFuncOptions()
                                                                     .size(std::vector<int64_t>{h, w})
                                                                     .mode(torch::kBilinear)
                                                                     .align_corners(false))
                .squeeze(0);
    const int64_t x = kGap + (i % cols) * (w + kGap), y = kGap + (i / cols) * (h + kCaption + kGap);
    sheet.narrow(1, y, h).narrow(2, x, w).copy_(img);
    draw_caption(sheet, tiles[i].caption, x, y + h, w);
  }
  return sheet;
}

}  // namespace lorastudio
