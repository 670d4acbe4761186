#pragma once
// Timing helpers for the benchmarks: repeated wall-clock measurements (CUDA-synchronised on a GPU) and the
// memory bandwidth of a plain device-to-device copy, the floor every memory-bound operation is judged against.
#include <functional>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct Timing {
  std::vector<double> samples_ms;  // one per timed repeat, in order
  double median_ms = 0, min_ms = 0, max_ms = 0;
};

// Waits for the device's queued work (no-op on CPU).
void synchronize_device(const torch::Device& device);

// Runs `warmup` untimed calls, then `repeats` timed ones (each bracketed by device synchronisation).
// `between` (optional) runs untimed after each call, e.g. to undo what the call did.
Timing time_repeats(const std::function<void()>& op, int repeats, int warmup, const torch::Device& device,
                    const std::function<void()>& between = {});

// One device-synchronised wall-clock measurement of `op`, in milliseconds.
double time_once_ms(const std::function<void()>& op, const torch::Device& device);

// Median, min and max of samples.
Timing summarize(std::vector<double> samples_ms);

// Bytes read + written per second (GB/s, 1e9) by `copy_` of a `bytes`-sized float32 tensor on `device`
// (median of `repeats`).
double copy_bandwidth_gbps(const torch::Device& device, int64_t bytes, int repeats);

}  // namespace lorastudio
