#include "core/imaging/image_io.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "core/util/error.h"

#ifdef LORASTUDIO_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
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

}  // namespace

torch::Tensor load_rgb_image(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw FileError(path, fs::exists(path, ec) ? "not a file" : "missing: no such image file");
  if (fs::path(path).extension() == ".ppm") return load_ppm(path);
#ifdef LORASTUDIO_HAVE_OPENCV
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw FileError(path, "cannot read the image (missing, or not an image OpenCV can decode)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat) / 255.0;
#else
  throw FileError(path, "this build has no OpenCV (LORASTUDIO_WITH_OPENCV=OFF): only .ppm condition images can be read");
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
