#pragma once
// Exact t-SNE forces on the GPU in one pass over the dense affinities: per row i, the attraction
// sum_j e p_ij w_ij (y_i - y_j), the unnormalised repulsion sum_j w_ij^2 (y_i - y_j) and sum_j w_ij,
// with w_ij = 1 / (1 + |y_i - y_j|^2). The caller finishes grad_i = 4 (attraction - repulsion / Z), Z = sum of
// the row sums. Plain CUDA with a C launcher (no LibTorch).
#include <cstdint>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

// p: [n, n] row-major float32; positions: [n, 2] float32 (8-byte aligned); out: [n, 5] float32 receiving
// (attraction x, y, repulsion x, y, sum of w) per row. Returns the launch error or cudaSuccess.
cudaError_t tsne_exact_row_forces(const float* p, const float* positions, int64_t n, float exaggeration, float* out,
                                  cudaStream_t stream);

#ifdef __cplusplus
}
#endif
