#include "core/util/cpu_threads.h"

#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>

namespace lorastudio {

int use_all_cores() {
  const char* configured = std::getenv("OMP_NUM_THREADS");
  const unsigned cores = std::thread::hardware_concurrency();
  if ((!configured || !*configured) && cores > 0) at::set_num_threads(static_cast<int>(cores));
  return at::get_num_threads();
}

}  // namespace lorastudio
