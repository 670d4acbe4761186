#pragma once
// The activations config.json files name, computed as transformers computes them.
#include <string>

#include <torch/torch.h>

namespace lorastudio::models {

enum class Activation { Gelu, GeluTanh, QuickGelu, Relu, Silu };
// "gelu" (erf), "gelu_new" / "gelu_pytorch_tanh" / "gelu_fast" (tanh approximation), "quick_gelu", "relu",
// "silu" / "swish". Throws Error naming `label` and the choices for any other name.
Activation activation_from_name(const std::string& name, const std::string& label);
torch::Tensor activate(const torch::Tensor& x, Activation activation);

}  // namespace lorastudio::models
