#include "core/generator/autocast_guard.h"

#include <ATen/autocast_mode.h>

namespace lorastudio {

#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define LS_NEW_AUTOCAST_API 1
#endif

AutocastGuard::AutocastGuard(bool enable) : enabled_(enable) {
  if (!enabled_) return;
#ifdef LS_NEW_AUTOCAST_API
  previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  previous_ = at::autocast::is_enabled();
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(true);
#endif
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
#ifdef LS_NEW_AUTOCAST_API
  at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
  at::autocast::set_enabled(previous_);
#endif
  at::autocast::clear_cache();
}

namespace {
bool autocast_enabled() {
#ifdef LS_NEW_AUTOCAST_API
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}
void set_autocast(bool on) {
#ifdef LS_NEW_AUTOCAST_API
  at::autocast::set_autocast_enabled(at::kCUDA, on);
#else
  at::autocast::set_enabled(on);
#endif
}
}  // namespace

AutocastSuspend::AutocastSuspend() : previous_(autocast_enabled()) {
  if (previous_) set_autocast(false);
}

AutocastSuspend::~AutocastSuspend() {
  if (previous_) set_autocast(true);
}

}  // namespace lorastudio
