#include "core/imaging/style_ops.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_OPENCV
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto/oilpainting.hpp>

#include "core/imaging/cv_tensor.h"
#endif

namespace lorastudio::style_ops {

#ifdef LORASTUDIO_HAVE_OPENCV

using cv_tensor::from_mat;
using cv_tensor::gray32;
using cv_tensor::to_mat32;
using cv_tensor::to_mat8;

namespace {

// OpenCV's photo functions expect BGR.
cv::Mat bgr8(const torch::Tensor& image) {
  cv::Mat m = to_mat8(image);
  cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
  return m;
}
torch::Tensor from_bgr(cv::Mat m) {
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  return from_mat(m);
}

// |∇| of a single-channel float image (Sobel 3×3, normalised so that a step of 1 gives about 1).
cv::Mat gradient_magnitude(const cv::Mat& gray) {
  cv::Mat gx, gy, mag;
  cv::Sobel(gray, gx, CV_32F, 1, 0, 3, 1.0 / 4.0, 0, cv::BORDER_REFLECT);
  cv::Sobel(gray, gy, CV_32F, 0, 1, 3, 1.0 / 4.0, 0, cv::BORDER_REFLECT);
  cv::magnitude(gx, gy, mag);
  return mag;
}

// Scalars are given per channel (Scalar::all): a plain double added to a multi-channel Mat reaches only its
// first channel.
cv::Mat clamp01(const cv::Mat& m) {
  cv::Mat low, out;
  cv::max(m, cv::Scalar::all(0.0), low);
  cv::min(low, cv::Scalar::all(1.0), out);
  return out;
}

// Each channel of a 3-channel image multiplied by its factor.
cv::Mat scale_channels(const cv::Mat& rgb, const cv::Scalar& factors) {
  cv::Mat out;
  cv::multiply(rgb, factors, out);
  return out;
}

cv::Mat tint(const cv::Mat& gray, const std::array<float, 3>& colour) {
  cv::Mat rgb;
  cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
  return scale_channels(rgb, cv::Scalar(colour[0], colour[1], colour[2]));
}

cv::Mat lerp(const cv::Mat& a, const cv::Mat& b, double t) { return a * (1.0 - t) + b * t; }

}  // namespace

bool available() { return true; }

torch::Tensor pencil(const torch::Tensor& image, bool colour) {
  cv::Mat gray, col;
  cv::pencilSketch(bgr8(image), gray, col, 40, 0.07f, 0.04f);
  return colour ? from_bgr(col) : from_mat(gray);
}

torch::Tensor charcoal(const torch::Tensor& image) {
  cv::Mat g = gray32(to_mat32(image)), blurred, tone, smudged;
  cv::GaussianBlur(g, blurred, cv::Size(0, 0), 1.2, 0, cv::BORDER_REFLECT);
  const cv::Mat strokes = clamp01(gradient_magnitude(blurred) * 3.0);
  cv::pow(g, 1.5, tone);
  cv::Mat shade = (tone * 0.85 + 0.1).mul(1.0 - strokes * 0.9);
  cv::GaussianBlur(shade, smudged, cv::Size(0, 0), 0.8, 0, cv::BORDER_REFLECT);
  return from_mat(tint(smudged, {0.96f, 0.94f, 0.89f}));
}

torch::Tensor chalk(const torch::Tensor& image, const std::array<float, 3>& ground) {
  cv::Mat g = gray32(to_mat32(image)), blurred;
  cv::GaussianBlur(g, blurred, cv::Size(0, 0), 1.0, 0, cv::BORDER_REFLECT);
  const cv::Mat light = clamp01(gradient_magnitude(blurred) * 2.5 + g.mul(g) * 0.25);
  cv::Mat board(g.size(), CV_32FC3, cv::Scalar(ground[0], ground[1], ground[2]));
  cv::Mat rgb_light;
  cv::cvtColor(light, rgb_light, cv::COLOR_GRAY2RGB);
  const cv::Mat out = board + scale_channels(rgb_light, cv::Scalar(0.95 - ground[0], 0.95 - ground[1], 0.93 - ground[2]));
  return from_mat(out);
}

torch::Tensor ink(const torch::Tensor& image) {
  cv::Mat g8, lines;
  cv::cvtColor(to_mat8(image), g8, cv::COLOR_RGB2GRAY);
  cv::medianBlur(g8, g8, 5);
  cv::adaptiveThreshold(g8, lines, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, 9, 4);
  return from_mat(lines);
}

torch::Tensor watercolour(const torch::Tensor& image) {
  cv::Mat styl;
  cv::stylization(bgr8(image), styl, 60, 0.45f);
  cv::Mat rgb = to_mat32(from_bgr(styl));
  cv::Mat grey;
  cv::cvtColor(gray32(rgb), grey, cv::COLOR_GRAY2RGB);
  const cv::Mat paper(rgb.size(), CV_32FC3, cv::Scalar(1.0, 0.98, 0.93));
  return from_mat(lerp(lerp(rgb, grey, 0.2), paper, 0.15));
}

torch::Tensor oil(const torch::Tensor& image, int64_t size) {
  cv::Mat out;
  cv::xphoto::oilPainting(bgr8(image), out, static_cast<int>(size), 1, cv::COLOR_BGR2Lab);
  return from_bgr(out);
}

torch::Tensor cartoon(const torch::Tensor& image) {
  cv::Mat c = to_mat8(image), tmp;
  for (int i = 0; i < 3; ++i) {
    cv::bilateralFilter(c, tmp, 7, 50, 7, cv::BORDER_REFLECT);
    c = tmp.clone();
  }
  cv::Mat flat;
  c.convertTo(flat, CV_32FC3, 1.0 / 255.0);
  flat.forEach<cv::Vec3f>([](cv::Vec3f& p, const int*) {
    for (int k = 0; k < 3; ++k) p[k] = (std::floor(std::min(p[k], 0.999f) * 6.f) + 0.5f) / 6.f;
  });
  cv::Mat g8, edges;
  cv::cvtColor(to_mat8(image), g8, cv::COLOR_RGB2GRAY);
  cv::medianBlur(g8, g8, 5);
  cv::adaptiveThreshold(g8, edges, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, 9, 2);
  cv::Mat e;
  edges.convertTo(e, CV_32F, 1.0 / 255.0);
  cv::cvtColor(e, e, cv::COLOR_GRAY2RGB);
  return from_mat(flat.mul(e));
}

torch::Tensor detail(const torch::Tensor& image) {
  cv::Mat out;
  cv::detailEnhance(bgr8(image), out, 10, 0.15f);
  return from_bgr(out);
}

torch::Tensor smooth(const torch::Tensor& image) {
  cv::Mat out;
  cv::edgePreservingFilter(bgr8(image), out, cv::RECURS_FILTER, 60, 0.4f);
  return from_bgr(out);
}

torch::Tensor emboss(const torch::Tensor& image, bool colour) {
  const cv::Mat rgb = to_mat32(image);
  const cv::Mat kernel = (cv::Mat_<float>(3, 3) << -2, -1, 0, -1, 0, 1, 0, 1, 2);
  cv::Mat relief;
  cv::filter2D(gray32(rgb), relief, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
  if (!colour) return from_mat(clamp01(relief * 0.5 + 0.5));
  cv::Mat r3;
  cv::cvtColor(relief, r3, cv::COLOR_GRAY2RGB);
  return from_mat(clamp01(rgb + r3 * 0.5));
}

torch::Tensor halftone(const torch::Tensor& image, int64_t period) {
  if (period < 2) throw Error("halftone: the period must be at least 2 pixels");
  const cv::Mat g = gray32(to_mat32(image));
  const int p = static_cast<int>(period);
  const int cells_x = (g.cols + p - 1) / p, cells_y = (g.rows + p - 1) / p;
  cv::Mat padded, cells;
  cv::copyMakeBorder(g, padded, 0, cells_y * p - g.rows, 0, cells_x * p - g.cols, cv::BORDER_REFLECT);
  cv::resize(padded, cells, cv::Size(cells_x, cells_y), 0, 0, cv::INTER_AREA);
  cv::Mat out(g.size(), CV_32F);
  for (int y = 0; y < g.rows; ++y) {
    for (int x = 0; x < g.cols; ++x) {
      const float level = cells.at<float>(y / p, x / p);
      const float radius = std::sqrt(std::max(0.f, 1.f - level)) * static_cast<float>(p) * 0.62f;
      const float dy = static_cast<float>(y % p) + 0.5f - p / 2.f, dx = static_cast<float>(x % p) + 0.5f - p / 2.f;
      out.at<float>(y, x) = std::clamp(std::sqrt(dx * dx + dy * dy) - radius + 0.5f, 0.f, 1.f);
    }
  }
  return from_mat(out);
}

torch::Tensor pixelate(const torch::Tensor& image, int64_t block) {
  if (block < 1) throw Error("pixelate: the block must be at least 1 pixel");
  const cv::Mat rgb = to_mat32(image);
  const int b = static_cast<int>(block);
  cv::Mat small, big;
  cv::resize(rgb, small, cv::Size((rgb.cols + b - 1) / b, (rgb.rows + b - 1) / b), 0, 0, cv::INTER_AREA);
  cv::resize(small, big, cv::Size(small.cols * b, small.rows * b), 0, 0, cv::INTER_NEAREST);
  return from_mat(big(cv::Rect(0, 0, rgb.cols, rgb.rows)));
}

torch::Tensor posterise(const torch::Tensor& image, int64_t levels) {
  if (levels < 2) throw Error("posterise: needs at least 2 levels");
  const double n = static_cast<double>(levels - 1);
  return image.clamp(0, 1).mul(n).round().div(n).to(torch::kFloat).contiguous();
}

torch::Tensor colour_map(const torch::Tensor& image, int64_t cv_colormap) {
  cv::Mat g8, out;
  cv::cvtColor(to_mat8(image), g8, cv::COLOR_RGB2GRAY);
  cv::applyColorMap(g8, out, static_cast<int>(cv_colormap));
  return from_bgr(out);
}

torch::Tensor sepia(const torch::Tensor& image) {
  const torch::Tensor m = torch::tensor({0.393f, 0.769f, 0.189f, 0.349f, 0.686f, 0.168f, 0.272f, 0.534f, 0.131f}).view({3, 3});
  const torch::Tensor x = image.to(torch::kFloat).clamp(0, 1);
  return torch::einsum("ij,jhw->ihw", {m, x}).clamp(0, 1).contiguous();
}

torch::Tensor duotone(const torch::Tensor& image, const std::array<float, 3>& dark, const std::array<float, 3>& light) {
  const cv::Mat g = gray32(to_mat32(image));
  return from_mat(tint(1.0 - g, dark) + tint(g, light));
}

torch::Tensor negative(const torch::Tensor& image) { return (1 - image.to(torch::kFloat).clamp(0, 1)).contiguous(); }

torch::Tensor faded(const torch::Tensor& image) {
  const cv::Mat rgb = to_mat32(image);
  cv::Mat grey;
  cv::cvtColor(gray32(rgb), grey, cv::COLOR_GRAY2RGB);
  const cv::Mat muted = lerp(rgb, grey, 0.35);
  return from_mat(clamp01(scale_channels(muted * 0.8 + cv::Scalar::all(0.12), cv::Scalar(1.04, 1.0, 0.9))));
}

LabStats natural_photo_lab_stats() { return LabStats{}; }

LabStats lab_stats(const torch::Tensor& image) {
  cv::Mat rgb = to_mat32(image), lab;
  const double shrink = 256.0 / std::max(rgb.cols, rgb.rows);
  if (shrink < 1) cv::resize(rgb, rgb, cv::Size(), shrink, shrink, cv::INTER_AREA);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  cv::Scalar mean, stddev;
  cv::meanStdDev(lab, mean, stddev);
  LabStats s;
  for (int k = 0; k < 3; ++k) {
    s.mean[k] = static_cast<float>(mean[k]);
    s.stddev[k] = static_cast<float>(std::max(stddev[k], 1e-3));
  }
  return s;
}

torch::Tensor colour_transfer(const torch::Tensor& image, const LabStats& from, const LabStats& to) {
  cv::Mat lab, rgb;
  cv::cvtColor(to_mat32(image), lab, cv::COLOR_RGB2Lab);
  lab.forEach<cv::Vec3f>([&](cv::Vec3f& p, const int*) {
    for (int k = 0; k < 3; ++k) p[k] = (p[k] - from.mean[k]) / from.stddev[k] * to.stddev[k] + to.mean[k];
    p[0] = std::clamp(p[0], 0.f, 100.f);
  });
  cv::cvtColor(lab, rgb, cv::COLOR_Lab2RGB);
  return from_mat(clamp01(rgb));
}

double edge_density(const torch::Tensor& image) {
  cv::Mat g = gray32(to_mat32(image));
  const double shrink = 256.0 / std::max(g.cols, g.rows);
  if (shrink < 1) cv::resize(g, g, cv::Size(), shrink, shrink, cv::INTER_AREA);
  return cv::mean(gradient_magnitude(g))[0];
}

torch::Tensor edge_darken(const torch::Tensor& image, double strength) {
  const cv::Mat rgb = to_mat32(image);
  const cv::Mat edges = clamp01(gradient_magnitude(gray32(rgb)) * 4.0);
  cv::Mat e3;
  cv::cvtColor(1.0 - edges * strength, e3, cv::COLOR_GRAY2RGB);
  return from_mat(clamp01(rgb.mul(e3)));
}

torch::Tensor gaussian_blur(const torch::Tensor& image, double sigma) {
  if (!(sigma > 0)) return image.to(torch::kFloat).clamp(0, 1).contiguous();
  cv::Mat out;
  cv::GaussianBlur(to_mat32(image), out, cv::Size(0, 0), sigma, 0, cv::BORDER_REFLECT);
  return from_mat(out);
}

#else  // built without OpenCV

namespace {
[[noreturn]] void no_opencv() { throw Error("this build has no OpenCV (LORASTUDIO_WITH_OPENCV=OFF): styles are not available"); }
}  // namespace

bool available() { return false; }
torch::Tensor pencil(const torch::Tensor&, bool) { no_opencv(); }
torch::Tensor charcoal(const torch::Tensor&) { no_opencv(); }
torch::Tensor chalk(const torch::Tensor&, const std::array<float, 3>&) { no_opencv(); }
torch::Tensor ink(const torch::Tensor&) { no_opencv(); }
torch::Tensor watercolour(const torch::Tensor&) { no_opencv(); }
torch::Tensor oil(const torch::Tensor&, int64_t) { no_opencv(); }
torch::Tensor cartoon(const torch::Tensor&) { no_opencv(); }
torch::Tensor detail(const torch::Tensor&) { no_opencv(); }
torch::Tensor smooth(const torch::Tensor&) { no_opencv(); }
torch::Tensor emboss(const torch::Tensor&, bool) { no_opencv(); }
torch::Tensor halftone(const torch::Tensor&, int64_t) { no_opencv(); }
torch::Tensor pixelate(const torch::Tensor&, int64_t) { no_opencv(); }
torch::Tensor posterise(const torch::Tensor&, int64_t) { no_opencv(); }
torch::Tensor colour_map(const torch::Tensor&, int64_t) { no_opencv(); }
torch::Tensor sepia(const torch::Tensor&) { no_opencv(); }
torch::Tensor duotone(const torch::Tensor&, const std::array<float, 3>&, const std::array<float, 3>&) { no_opencv(); }
torch::Tensor negative(const torch::Tensor&) { no_opencv(); }
torch::Tensor faded(const torch::Tensor&) { no_opencv(); }
LabStats natural_photo_lab_stats() { return LabStats{}; }
LabStats lab_stats(const torch::Tensor&) { no_opencv(); }
torch::Tensor colour_transfer(const torch::Tensor&, const LabStats&, const LabStats&) { no_opencv(); }
double edge_density(const torch::Tensor&) { no_opencv(); }
torch::Tensor edge_darken(const torch::Tensor&, double) { no_opencv(); }
torch::Tensor gaussian_blur(const torch::Tensor&, double) { no_opencv(); }

#endif

}  // namespace lorastudio::style_ops
