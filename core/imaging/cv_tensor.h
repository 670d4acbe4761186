#pragma once
// Inside core/imaging only (OpenCV builds): RGB tensors [3, H, W] float in [0, 1] to and from cv::Mat.
#include <opencv2/core.hpp>
#include <torch/types.h>

namespace lorastudio::cv_tensor {

cv::Mat to_mat32(const torch::Tensor& image);            // CV_32FC3, RGB, [0, 1] (clamped), a copy
cv::Mat to_mat8(const torch::Tensor& image);             // CV_8UC3, RGB
torch::Tensor from_mat(const cv::Mat& mat);              // CV_32FC3 / CV_8UC3 RGB or CV_32FC1 / CV_8UC1 gray (repeated)
cv::Mat gray32(const cv::Mat& rgb32);                    // CV_32FC1 luminance in [0, 1]

}  // namespace lorastudio::cv_tensor
