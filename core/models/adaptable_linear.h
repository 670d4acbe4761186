#pragma once
// The linear layer of every model family here, registered as "weight" and "bias" like torch.nn.Linear, so its
// parameters carry the checkpoint's names. It can hold LoRA branches that run unmerged beside the base weight
// (y = x·Wᵀ + b + Σ scale·(x·Aᵀ)·Bᵀ), which is how a PEFT adapter is applied at run time (model_adapters.h).
// GPT-2's Conv1D is the same layer with the weight stored [in, out] (fan_in_fan_out).
#include <torch/torch.h>

namespace lorastudio::models {

struct LoraBranch {
  torch::Tensor A;  // [r, in]
  torch::Tensor B;  // [out, r]
  double scale = 1.0;
};

class AdaptableLinearImpl : public torch::nn::Module {
 public:
  // `in_out_layout`: the weight is stored [in, out] (GPT-2's Conv1D) instead of [out, in].
  AdaptableLinearImpl(int64_t in_features, int64_t out_features, bool bias = true, bool in_out_layout = false);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  bool in_out_layout() const { return in_out_; }

  torch::Tensor weight, bias;
  std::vector<LoraBranch> branches;  // unmerged adapters, applied in order

 private:
  int64_t in_ = 0, out_ = 0;
  bool in_out_ = false;
};
TORCH_MODULE(AdaptableLinear);

}  // namespace lorastudio::models
