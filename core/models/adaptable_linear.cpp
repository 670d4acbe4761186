#include "core/models/adaptable_linear.h"

namespace lorastudio::models {

AdaptableLinearImpl::AdaptableLinearImpl(int64_t in_features, int64_t out_features, bool with_bias, bool in_out_layout)
    : in_(in_features), out_(out_features), in_out_(in_out_layout) {
  weight = register_parameter("weight", in_out_layout ? torch::empty({in_features, out_features})
                                                      : torch::empty({out_features, in_features}));
  torch::nn::init::normal_(weight, 0.0, 0.02);
  if (with_bias) bias = register_parameter("bias", torch::zeros({out_features}));
}

torch::Tensor AdaptableLinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  if (in_out_) {
    y = bias.defined() ? torch::addmm(bias, x.reshape({-1, in_}), weight) : torch::mm(x.reshape({-1, in_}), weight);
    auto shape = x.sizes().vec();
    shape.back() = out_;
    y = y.view(shape);
  } else {
    y = torch::nn::functional::linear(x, weight, bias);
  }
  for (const LoraBranch& b : branches) {
    y = y + torch::nn::functional::linear(torch::nn::functional::linear(x, b.A.to(x.dtype())), b.B.to(x.dtype())) *
                b.scale;
  }
  return y;
}

}  // namespace lorastudio::models
