#pragma once
// OpenBLAS picks its matrix kernels for the CPU when it loads. Debian bookworm's OpenBLAS (0.3.21) does not
// know recent Xeons and falls back to its generic SSE3 "Prescott" kernels there, about half the speed of
// its AVX2/AVX-512 ones on the engine's matrix products (measured: README, "Speed on the CPU"). The choice
// is made before main() runs and can only be changed through OPENBLAS_CORETYPE in the environment at load.
#include <string>

namespace lorastudio {

// The kernel family OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", ...), or "" when the BLAS in use is
// not OpenBLAS.
std::string openblas_core_name();

// The OPENBLAS_CORETYPE this CPU should use when OpenBLAS fell back to a generic kernel although the CPU has
// AVX2 + FMA ("SkylakeX" with AVX-512 F/BW/DQ/VL, else "Haswell"), or "" when nothing needs changing.
std::string better_openblas_core();

// Call first in main(): when better_openblas_core() names one, sets OPENBLAS_CORETYPE and re-executes the
// program with the same arguments (so OpenBLAS loads with it); otherwise returns. Never re-executes twice,
// nor when OPENBLAS_CORETYPE or LORASTUDIO_KEEP_BLAS_KERNELS is already set.
void use_best_blas_kernels(char** argv);

}  // namespace lorastudio
