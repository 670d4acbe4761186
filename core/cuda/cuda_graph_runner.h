#pragma once
// Runs a network call net(x, t, cond) through a captured CUDA graph: captured once per input signature
// (shapes, dtypes, autocast state) with static input buffers, then replayed, so a sampling step costs
// one graph launch instead of a hundred kernel launches from the host. On the CPU, in builds without
// CUDA, or when capture fails, it simply calls the network.
//
// The captured graph refers to the network's weights where they are: call clear() after changing or
// moving them.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <torch/types.h>

namespace lorastudio {

class CudaGraphRunner {
 public:
  using Net = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond)>;

  CudaGraphRunner();
  ~CudaGraphRunner();
  torch::Tensor run(const Net& net, const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond);
  void clear();
  int captures() const { return captures_; }  // graphs captured so far
  static bool supported();                    // built with CUDA graph support

 private:
  struct Entry;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  int captures_ = 0;
};

}  // namespace lorastudio
