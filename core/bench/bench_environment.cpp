#include "core/bench/bench_environment.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

namespace lorastudio {
namespace {

std::string classify(const std::string& path) {
  if (path.find("openblas") != std::string::npos) return "OpenBLAS";
  if (path.find("mkl") != std::string::npos) return "MKL";
  if (path.find("blis") != std::string::npos) return "BLIS";
  if (path.find("/blas/libblas") != std::string::npos || path.find("libblas.so") != std::string::npos)
    return "reference BLAS (netlib)";
  return "unknown";
}

}  // namespace

BlasLibrary loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  BlasLibrary found;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    const bool blas = file.rfind("libblas", 0) == 0 || file.rfind("libopenblas", 0) == 0 || file.rfind("libmkl_rt", 0) == 0 ||
                      file.rfind("libblis", 0) == 0;
    if (!blas) continue;
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(path, ec);
    found.path = ec ? path : real.string();
    found.name = classify(found.path);
    if (found.name != "reference BLAS (netlib)") break;  // an optimised one wins if both are mapped
  }
  return found;
}

nlohmann::json bench_environment() {
  std::ostringstream version;
  version << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH;
  const BlasLibrary blas = loaded_blas();
  nlohmann::json j = {{"libtorch", version.str()},
                      {"threads", torch::get_num_threads()},
                      {"blas", {{"name", blas.name.empty() ? "no shared BLAS library (one linked into LibTorch itself, as in PyTorch's wheels, is not seen)" : blas.name}, {"path", blas.path}}}};
  if (const char* t = std::getenv("OPENBLAS_NUM_THREADS")) j["openblas_threads"] = t;
  return j;
}

}  // namespace lorastudio
