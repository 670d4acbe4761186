#pragma once
// What a benchmark ran on, for its JSON: LibTorch's version and intra-op threads, and the BLAS library
// actually loaded into the process (read from /proc/self/maps: Debian's LibTorch links libblas.so.3, which
// is the netlib reference implementation unless an optimised one such as OpenBLAS is installed).
#include <string>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct BlasLibrary {
  std::string name;  // "OpenBLAS", "reference BLAS (netlib)", "MKL", "BLIS", or "unknown"
  std::string path;  // the shared object, symbolic links resolved ("" when none is loaded)
};

BlasLibrary loaded_blas();
// {"libtorch", "threads", "blas": {"name", "path"}, "openblas_threads" (env, when set)}
nlohmann::json bench_environment();

}  // namespace lorastudio
