#include "core/util/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace lorastudio {

std::string openblas_core_name() {
  using CoreName = char* (*)();
  const auto core = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!core) return "";
  const char* name = core();
  return name ? name : "";
}

std::string better_openblas_core() {
  std::string name = openblas_core_name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // OpenBLAS's generic x86-64 fall-backs (what an unknown CPU model gets).
  const bool generic = name == "prescott" || name == "core2" || name == "nehalem" || name == "unknown" || name == "atom";
  if (name.empty() || !generic) return "";
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return "";
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return avx512 ? "SkylakeX" : "Haswell";
}

void use_best_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("LORASTUDIO_KEEP_BLAS_KERNELS")) return;
  const std::string core = better_openblas_core();
  if (core.empty()) return;
  setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  execv("/proc/self/exe", argv);  // returns only on failure: go on with the kernels loaded
  unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace lorastudio
