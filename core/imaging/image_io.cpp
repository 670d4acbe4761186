#include "core/imaging/image_io.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/cv_tensor.h"
#endif

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

torch::Tensor load_ppm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open the image");
  std::string magic;
  int w = 0, h = 0, maxval = 0;
  in >> magic >> w >> h >> maxval;
  in.get();
  if (magic != "P6" || w <= 0 || h <= 0 || maxval != 255 || w > 16384 || h > 16384)
    throw FileError(path, "not a binary 8-bit PPM image (and this build reads other image formats only with OpenCV)");
  std::vector<uint8_t> data(static_cast<size_t>(w) * h * 3);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (in.gcount() != static_cast<std::streamsize>(data.size())) throw FileError(path, "truncated PPM image");
  return torch::from_blob(data.data(), {h, w, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat) / 255.0;
}

#ifdef LORASTUDIO_HAVE_OPENCV
// PNG chunks as they are, less the colour profile (iCCP): colours are read as sRGB anyway, and libpng
// prints a warning for many real profiles ("known incorrect sRGB profile") that users should not see.
std::string without_png_profile(const std::string& png) {
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  if (png.compare(0, 8, kSignature) != 0) return png;
  std::string out = kSignature;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(png.data() + at);
    const size_t length = (size_t(p[0]) << 24) | (size_t(p[1]) << 16) | (size_t(p[2]) << 8) | size_t(p[3]);
    if (length > png.size() - at - 12) return png;  // malformed: left to the decoder
    if (png.compare(at + 4, 4, "iCCP") != 0) out.append(png, at, length + 12);
    at += length + 12;
  }
  out.append(png, at, std::string::npos);
  return out;
}

cv::Mat decode_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string data = without_png_profile(bytes);
  if (data.empty()) return {};
  try {
    return cv::imdecode(cv::Mat(1, static_cast<int>(data.size()), CV_8U, const_cast<char*>(data.data())), cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    return {};
  }
}
#endif

}  // namespace

torch::Tensor load_rgb_image(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw FileError(path, fs::exists(path, ec) ? "not a file" : "missing: no such image file");
  if (fs::path(path).extension() == ".ppm") return load_ppm(path);
#ifdef LORASTUDIO_HAVE_OPENCV
  cv::Mat bgr = decode_image(path);
  if (bgr.empty()) throw FileError(path, "cannot read the image (missing, or not an image OpenCV can decode)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return cv_tensor::from_mat(rgb);
#else
  throw FileError(path, "this build has no OpenCV (LORASTUDIO_WITH_OPENCV=OFF): only .ppm condition images can be read");
#endif
}

namespace {

torch::Tensor hwc_bytes(const std::string& path, const torch::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(0) != 3 || image.size(1) < 1 || image.size(2) < 1)
    throw FileError(path, "an image to save must be a [3, H, W] tensor");
  return image.detach().to(torch::kCPU, torch::kFloat).clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
}

}  // namespace

void save_rgb_image(const std::string& path, const torch::Tensor& image) {
  const torch::Tensor hwc = hwc_bytes(path, image);
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1));
  if (fs::path(path).extension() == ".ppm") {
    std::string data = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
    data.append(reinterpret_cast<const char*>(hwc.data_ptr<uint8_t>()), static_cast<size_t>(hwc.numel()));
    write_file_atomically(path, data);
    return;
  }
#ifdef LORASTUDIO_HAVE_OPENCV
  cv::Mat rgb(h, w, CV_8UC3, hwc.data_ptr<uint8_t>()), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> encoded;
  const std::string ext = fs::path(path).extension().string();
  bool ok = false;
  try {
    ok = cv::imencode(ext.empty() ? ".png" : ext, bgr, encoded);
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw FileError(path, "cannot encode an image as \"" + ext + "\" (use .png, .jpg or .ppm)");
  write_file_atomically(path, std::string(encoded.begin(), encoded.end()));
#else
  throw FileError(path, "this build has no OpenCV (LORASTUDIO_WITH_OPENCV=OFF): only .ppm images can be written");
#endif
}

bool image_io_has_opencv() {
#ifdef LORASTUDIO_HAVE_OPENCV
  return true;
#else
  return false;
#endif
}

}  // namespace lorastudio
