#include "core/cuda/cuda_graph_runner.h"

#include <sstream>

#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace lorastudio {

#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
struct CudaGraphRunner::Entry {
  at::cuda::CUDAGraph graph;
  std::vector<torch::Tensor> inputs, outputs;
  bool failed = false;
  uint64_t last_used = 0;
};

namespace {
std::string signature(const std::string& key, const std::vector<torch::Tensor>& inputs) {
  std::ostringstream s;
  s << key << '|' << at::autocast::is_autocast_enabled(at::kCUDA);
  for (const auto& t : inputs) s << '|' << t.sizes() << t.scalar_type() << t.device();
  return s.str();
}

bool all_cuda(const std::vector<torch::Tensor>& inputs) {
  for (const auto& t : inputs)
    if (!t.defined() || !t.is_cuda()) return false;
  return !inputs.empty();
}
}  // namespace
#else
struct CudaGraphRunner::Entry {};
#endif

CudaGraphRunner::CudaGraphRunner() = default;
CudaGraphRunner::~CudaGraphRunner() = default;

bool CudaGraphRunner::supported() {
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  return true;
#else
  return false;
#endif
}

void CudaGraphRunner::clear() { entries_.clear(); }

std::vector<torch::Tensor> CudaGraphRunner::run(const std::string& key, const Fn& fn,
                                                const std::vector<torch::Tensor>& inputs, bool* from_graph) {
  if (from_graph) *from_graph = false;
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  if (!all_cuda(inputs)) return fn(inputs);
  const std::string sig = signature(key, inputs);
  if (!entries_.count(sig) && entries_.size() >= kMaxGraphs) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second->last_used < oldest->second->last_used) oldest = it;
    entries_.erase(oldest);
  }
  auto& slot = entries_[sig];
  if (!slot) {
    auto e = std::make_shared<Entry>();
    for (const auto& t : inputs) e->inputs.push_back(t.clone());
    // Autocast's weight-cast cache would hand the graph tensors that are freed when the cache is cleared.
    const bool cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
    try {
      c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
      c10::cuda::getCurrentCUDAStream().synchronize();  // inputs ready before the side stream reads them
      {
        c10::cuda::CUDAStreamGuard guard(side);
        for (int i = 0; i < 2; ++i) e->outputs = fn(e->inputs);  // warm-up (allocator, cuBLAS/cuDNN handles)
        side.synchronize();
        e->graph.capture_begin();
        e->outputs = fn(e->inputs);
        e->graph.capture_end();
      }
      side.synchronize();
      ++captures_;
    } catch (const std::exception&) {
      e->failed = true;  // e.g. an operation that cannot be captured: run eagerly from now on
      ++failures_;
    }
    at::autocast::set_autocast_cache_enabled(cache);
    slot = e;
  }
  slot->last_used = ++clock_;
  if (slot->failed) return fn(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) slot->inputs[i].copy_(inputs[i]);
  slot->graph.replay();
  std::vector<torch::Tensor> out;
  for (const auto& t : slot->outputs) out.push_back(t.clone());
  if (from_graph) *from_graph = true;
  return out;
#else
  (void)key;
  return fn(inputs);
#endif
}

torch::Tensor CudaGraphRunner::run(const Net& net, const torch::Tensor& x, const torch::Tensor& t,
                                   const torch::Tensor& cond) {
  const Fn fn = [&net](const std::vector<torch::Tensor>& in) { return std::vector<torch::Tensor>{net(in[0], in[1], in[2])}; };
  return run("denoiser", fn, {x, t.to(x.device()), cond.to(x.device())})[0];
}

}  // namespace lorastudio
