#include "core/cuda/tsne_kernels.cuh"

namespace {

constexpr int kThreads = 256;
constexpr int kValues = 5;

__device__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// One block per row: coalesced reads of the row of P, a block reduction of the five sums.
__global__ void row_forces(const float* __restrict__ p, const float2* __restrict__ y, int64_t n, float exaggeration,
                           float* __restrict__ out) {
  const int64_t i = blockIdx.x;
  const float2 yi = y[i];
  const float* row = p + i * n;
  float v[kValues] = {0, 0, 0, 0, 0};
  for (int64_t j = threadIdx.x; j < n; j += kThreads) {
    const float2 yj = y[j];
    const float dx = yi.x - yj.x, dy = yi.y - yj.y;
    const float w = j == i ? 0.f : 1.f / (1.f + dx * dx + dy * dy);
    const float pull = exaggeration * row[j] * w, push = w * w;
    v[0] += pull * dx;
    v[1] += pull * dy;
    v[2] += push * dx;
    v[3] += push * dy;
    v[4] += w;
  }
  __shared__ float partial[kValues][kThreads / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int k = 0; k < kValues; ++k) {
    const float s = warp_sum(v[k]);
    if (lane == 0) partial[k][warp] = s;
  }
  __syncthreads();
  if (warp == 0) {
    for (int k = 0; k < kValues; ++k) {
      const float s = warp_sum(lane < kThreads / 32 ? partial[k][lane] : 0.f);
      if (lane == 0) out[i * kValues + k] = s;
    }
  }
}

}  // namespace

extern "C" cudaError_t tsne_exact_row_forces(const float* p, const float* positions, int64_t n, float exaggeration,
                                             float* out, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (!p || !positions || !out || (reinterpret_cast<uintptr_t>(positions) % 8) != 0 || n > INT32_MAX)
    return cudaErrorInvalidValue;
  row_forces<<<static_cast<unsigned>(n), kThreads, 0, stream>>>(p, reinterpret_cast<const float2*>(positions), n,
                                                                exaggeration, out);
  return cudaGetLastError();
}
