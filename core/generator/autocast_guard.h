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

}  // namespace lorastudio
