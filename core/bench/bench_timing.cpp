#include "core/bench/bench_timing.h"

#include <algorithm>
#include <chrono>

#include <torch/cuda.h>

namespace lorastudio {

void synchronize_device(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

double time_once_ms(const std::function<void()>& op, const torch::Device& device) {
  synchronize_device(device);
  const auto start = std::chrono::steady_clock::now();
  op();
  synchronize_device(device);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Timing summarize(std::vector<double> samples_ms) {
  Timing t;
  t.samples_ms = samples_ms;
  if (samples_ms.empty()) return t;
  std::sort(samples_ms.begin(), samples_ms.end());
  const size_t n = samples_ms.size();
  t.median_ms = n % 2 ? samples_ms[n / 2] : 0.5 * (samples_ms[n / 2 - 1] + samples_ms[n / 2]);
  t.min_ms = samples_ms.front();
  t.max_ms = samples_ms.back();
  return t;
}

Timing time_repeats(const std::function<void()>& op, int repeats, int warmup, const torch::Device& device,
                    const std::function<void()>& between) {
  for (int i = 0; i < warmup; ++i) {
    op();
    if (between) between();
  }
  std::vector<double> samples;
  for (int i = 0; i < std::max(repeats, 1); ++i) {
    samples.push_back(time_once_ms(op, device));
    if (between) between();
  }
  return summarize(std::move(samples));
}

double copy_bandwidth_gbps(const torch::Device& device, int64_t bytes, int repeats) {
  const int64_t n = bytes / 4;
  const torch::Tensor src = torch::ones({n}, torch::TensorOptions().dtype(torch::kFloat).device(device));
  torch::Tensor dst = torch::empty_like(src);
  const Timing t = time_repeats([&] { dst.copy_(src); }, repeats, 2, device);
  return 2.0 * static_cast<double>(n * 4) / (t.median_ms * 1e-3) / 1e9;
}

}  // namespace lorastudio
