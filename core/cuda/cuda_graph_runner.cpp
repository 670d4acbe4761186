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
  torch::Tensor x, t, cond, out;
  bool failed = false;
};

namespace {
std::string signature(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) {
  std::ostringstream s;
  s << x.sizes() << x.scalar_type() << x.device() << t.sizes() << t.scalar_type() << c.sizes() << c.scalar_type()
    << at::autocast::is_autocast_enabled(at::kCUDA);
  return s.str();
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

torch::Tensor CudaGraphRunner::run(const Net& net, const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond) {
#ifdef LORASTUDIO_HAVE_CUDA_KERNELS
  if (!x.is_cuda()) return net(x, t, cond);
  const std::string key = signature(x, t, cond);
  auto& slot = entries_[key];
  if (!slot) {
    auto e = std::make_shared<Entry>();
    e->x = x.clone();
    e->t = t.to(x.device()).clone();
    e->cond = cond.to(x.device()).clone();
    // Autocast's weight-cast cache would hand the graph tensors that are freed when the cache is cleared.
    const bool cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
    try {
      c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
      c10::cuda::getCurrentCUDAStream().synchronize();  // inputs ready before the side stream reads them
      {
        c10::cuda::CUDAStreamGuard guard(side);
        for (int i = 0; i < 3; ++i) e->out = net(e->x, e->t, e->cond);  // warm-up (allocator, cuBLAS handles)
        side.synchronize();
        e->graph.capture_begin();
        e->out = net(e->x, e->t, e->cond);
        e->graph.capture_end();
      }
      side.synchronize();
      ++captures_;
    } catch (const std::exception&) {
      e->failed = true;  // e.g. an operation that cannot be captured: run eagerly from now on
    }
    at::autocast::set_autocast_cache_enabled(cache);
    slot = e;
  }
  if (slot->failed) return net(x, t, cond);
  slot->x.copy_(x);
  slot->t.copy_(t);
  slot->cond.copy_(cond);
  slot->graph.replay();
  return slot->out.clone();
#else
  return net(x, t, cond);
#endif
}

}  // namespace lorastudio
