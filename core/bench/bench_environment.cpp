#include "core/bench/bench_environment.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "core/util/blas_kernels.h"

namespace lorastudio {
namespace {

std::string classify(const std::string& path) {
  if (path.find("openblas") != std::string::npos) return "OpenBLAS";
  if (path.find("mkl") != std::string::npos) return "MKL";
  if (path.find("blis") != std::string::npos) return "BLIS";
  if (path.find("/blas/libblas") != std::string::npos) return "reference BLAS (netlib)";
  return "unknown";
}

}  // namespace

// LibTorch calls the library the dynamic linker resolved for libblas.so.3 (Debian's alternatives choose it);
// other BLAS libraries may be mapped too (OpenBLAS's LAPACK, say) without serving those calls. So a mapped
// libblas* wins; only without one does a libopenblas / libmkl_rt / libblis count.
BlasLibrary loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  BlasLibrary blas, other;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    const bool is_blas = file.rfind("libblas", 0) == 0;
    const bool is_other = file.rfind("libopenblas", 0) == 0 || file.rfind("libmkl_rt", 0) == 0 || file.rfind("libblis", 0) == 0;
    if (!is_blas && !is_other) continue;
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(path, ec);
    BlasLibrary& slot = is_blas ? blas : other;
    slot.path = ec ? path : real.string();
    slot.name = classify(slot.path);
  }
  return blas.path.empty() ? other : blas;
}

nlohmann::json bench_environment() {
  std::ostringstream version;
  version << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH;
  const BlasLibrary blas = loaded_blas();
  nlohmann::json j = {{"libtorch", version.str()},
                      {"threads", torch::get_num_threads()},
                      {"blas", {{"name", blas.name.empty() ? "no shared BLAS library (one linked into LibTorch itself, as in PyTorch's wheels, is not seen)" : blas.name}, {"path", blas.path}}}};
  if (const char* t = std::getenv("OPENBLAS_NUM_THREADS")) j["openblas_threads"] = t;
  if (const std::string core = openblas_core_name(); !core.empty()) {
    j["blas"]["openblas_kernels"] = core;
    if (const char* forced = std::getenv("OPENBLAS_CORETYPE")) j["blas"]["openblas_coretype_env"] = forced;
  }
  return j;
}

}  // namespace lorastudio
