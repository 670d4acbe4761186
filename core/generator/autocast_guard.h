#pragma once
// bf16 autocast on CUDA for a scope (LibTorch 1.13 and 2.x spell the API differently).
#include <torch/torch.h>

namespace lorastudio {

class AutocastGuard {
 public:
  explicit AutocastGuard(bool enable);  // no-op when false
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_ = false;
  bool previous_ = false;
};

// Autocast off for a scope (where float32 matters, e.g. decoding the final parameters), restored after.
class AutocastSuspend {
 public:
  AutocastSuspend();
  ~AutocastSuspend();
  AutocastSuspend(const AutocastSuspend&) = delete;
  AutocastSuspend& operator=(const AutocastSuspend&) = delete;

 private:
  bool previous_ = false;
};

}  // namespace lorastudio
