#pragma once
// Runs a function of CUDA tensors through a captured CUDA graph: captured once per key and input signature
// (shapes, dtypes, device, autocast state) with static input buffers, then replayed, so a call costs one
// graph launch instead of hundreds of kernel launches from the host. Used for one denoiser call per
// sampling step, and for a whole deterministic generation (every step, the decoder and denormalisation).
// On the CPU, in builds without CUDA, or when capture fails, it simply calls the function.
//
// The function must be capturable: device work only, no host synchronisation, no host-to-device copies
// from pageable memory. Host work in it (scheduler bookkeeping) runs once, at capture. The captured graph
// refers to the weights and tensors the function used where they were: call clear() after changing them.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

class CudaGraphRunner {
 public:
  using Fn = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>& inputs)>;
  using Net = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond)>;

  CudaGraphRunner();
  ~CudaGraphRunner();
  // fn(inputs), replayed from a graph when the inputs are CUDA tensors. `key` names what fn computes beyond
  // its inputs (two different functions must not share a key). Outputs are fresh tensors (copies of the
  // graph's static outputs). `from_graph`, when given, tells whether a graph produced them.
  std::vector<torch::Tensor> run(const std::string& key, const Fn& fn, const std::vector<torch::Tensor>& inputs,
                                 bool* from_graph = nullptr);
  // A denoiser call net(x, t, cond).
  torch::Tensor run(const Net& net, const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond);
  void clear();
  int captures() const { return captures_; }  // graphs captured so far
  size_t size() const { return entries_.size(); }  // graphs kept now
  int failures() const { return failures_; }  // captures that failed (those keys run eagerly)
  static bool supported();                    // built with CUDA graph support
  // At most this many graphs are kept (each holds its own memory pool); the least recently used goes first.
  static constexpr size_t kMaxGraphs = 8;

 private:
  struct Entry;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  int captures_ = 0, failures_ = 0;
  uint64_t clock_ = 0;  // use counter for the LRU eviction
};

}  // namespace lorastudio
