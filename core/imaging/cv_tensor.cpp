#ifdef LORASTUDIO_HAVE_OPENCV
#include "core/imaging/cv_tensor.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio::cv_tensor {

cv::Mat to_mat32(const torch::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(0) != 3)
    throw Error("an RGB image must be a [3, H, W] tensor");
  const torch::Tensor hwc = image.detach().to(torch::kCPU, torch::kFloat).clamp(0, 1).permute({1, 2, 0}).contiguous();
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC3, hwc.data_ptr<float>()).clone();
}

cv::Mat to_mat8(const torch::Tensor& image) {
  cv::Mat out;
  to_mat32(image).convertTo(out, CV_8UC3, 255.0);
  return out;
}

torch::Tensor from_mat(const cv::Mat& mat) {
  cv::Mat f;
  const double scale = mat.depth() == CV_8U ? 1.0 / 255.0 : 1.0;
  mat.convertTo(f, CV_MAKETYPE(CV_32F, mat.channels()), scale);
  if (f.channels() == 1) cv::cvtColor(f, f, cv::COLOR_GRAY2RGB);
  if (f.channels() != 3) throw Error("from_mat: expected 1 or 3 channels");
  if (!f.isContinuous()) f = f.clone();
  return torch::from_blob(f.data, {f.rows, f.cols, 3}, torch::kFloat).permute({2, 0, 1}).clone().clamp_(0, 1);
}

cv::Mat gray32(const cv::Mat& rgb32) {
  cv::Mat g;
  cv::cvtColor(rgb32, g, cv::COLOR_RGB2GRAY);
  return g;
}

}  // namespace lorastudio::cv_tensor
#endif
