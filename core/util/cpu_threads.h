#pragma once
// LibTorch's intra-op threads. Debian's LibTorch 1.13 starts with one thread here (its core count comes out
// as 1 on these machines) while scikit-learn and OpenBLAS use every core: the programs call this at start.
namespace lorastudio {

// Unless OMP_NUM_THREADS is set, uses one intra-op thread per hardware thread. Returns the count in use.
int use_all_cores();

}  // namespace lorastudio
