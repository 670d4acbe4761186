// Grouped low-rank merge kernel: see lora_merge_kernels.cuh.
//
// Work decomposition: every matrix is cut into tiles of kTileRows × kTileCols elements of W; the tiles of all
// matrices form one flat grid (one thread block per tile; a block finds its matrix by binary search over the
// tile offsets). A block stages B[tile rows, :]·s and A[:, tile cols] in shared memory, then each thread
// reads its 4 contiguous columns × kRowsPerThread rows of W (vectorised, coalesced: a warp covers 128
// contiguous columns of one row), adds Σ_r B[i,r]·A[r,j] in float32 and writes the rounded result back.
#include "core/cuda/lora_merge_kernels.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace {

constexpr int kThreads = 256;
constexpr int kColsPerThread = 4;
constexpr int kColGroups = 32;                              // one warp across the columns of a tile
constexpr int kRowGroups = kThreads / kColGroups;           // 8
constexpr int kRowsPerThread = 4;
constexpr int kTileCols = kColGroups * kColsPerThread;      // 128
constexpr int kTileRows = kRowGroups * kRowsPerThread;      // 32

struct ProblemBatch {
  LoraMergeProblem problems[LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH];
  int tile_start[LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH + 1];  // prefix sums of the tiles per problem
  int count;
};
static_assert(sizeof(ProblemBatch) <= 32764, "kernel parameters are limited to 32764 bytes (CUDA 12.1+)");

// ---- element access: 4 contiguous elements <-> float[4] -------------------------------------------------

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_float(float x);
template <> __device__ __forceinline__ float from_float<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

struct alignas(8) Half4 { __half2 lo, hi; };
struct alignas(8) Bf164 { __nv_bfloat162 lo, hi; };

__device__ __forceinline__ void load4(const float* p, float v[4]) {
  const float4 x = *reinterpret_cast<const float4*>(p);
  v[0] = x.x; v[1] = x.y; v[2] = x.z; v[3] = x.w;
}
__device__ __forceinline__ void load4(const __half* p, float v[4]) {
  const Half4 x = *reinterpret_cast<const Half4*>(p);
  const float2 a = __half22float2(x.lo), b = __half22float2(x.hi);
  v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
}
__device__ __forceinline__ void load4(const __nv_bfloat16* p, float v[4]) {
  const Bf164 x = *reinterpret_cast<const Bf164*>(p);
  const float2 a = __bfloat1622float2(x.lo), b = __bfloat1622float2(x.hi);
  v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
}
__device__ __forceinline__ void store4(float* p, const float v[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ void store4(__half* p, const float v[4]) {
  Half4 x;
  x.lo = __floats2half2_rn(v[0], v[1]);
  x.hi = __floats2half2_rn(v[2], v[3]);
  *reinterpret_cast<Half4*>(p) = x;
}
__device__ __forceinline__ void store4(__nv_bfloat16* p, const float v[4]) {
  Bf164 x;
  x.lo = __floats2bfloat162_rn(v[0], v[1]);
  x.hi = __floats2bfloat162_rn(v[2], v[3]);
  *reinterpret_cast<Bf164*>(p) = x;
}

// ---- the kernel -------------------------------------------------------------------------------------------

// kVector: every W row start is aligned to 4 elements and cols % 4 == 0, so 4-element loads are legal.
// 3 blocks of 256 threads per SM (at most 80 registers per thread, no spills with kRowsPerThread = 4).
template <typename T, bool kVector>
__global__ void __launch_bounds__(kThreads, 3) grouped_merge_kernel(const __grid_constant__ ProblemBatch batch) {
  extern __shared__ float shared[];

  // The problem this tile belongs to: the last g with tile_start[g] <= blockIdx.x.
  const int tile = static_cast<int>(blockIdx.x);
  int lo = 0, hi = batch.count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (batch.tile_start[mid] <= tile) lo = mid;
    else hi = mid - 1;
  }
  const LoraMergeProblem& p = batch.problems[lo];
  const int rank = p.rank, rows = p.rows, cols = p.cols;
  const int tiles_per_row = (cols + kTileCols - 1) / kTileCols;
  const int local = tile - batch.tile_start[lo];
  const int row0 = (local / tiles_per_row) * kTileRows;
  const int col0 = (local % tiles_per_row) * kTileCols;

  float* a_tile = shared;                        // [rank][kTileCols]
  float* b_tile = shared + rank * kTileCols;     // [kTileRows][rank], already multiplied by s
  for (int idx = threadIdx.x; idx < rank * kTileCols; idx += kThreads) {
    const int r = idx / kTileCols, c = col0 + idx % kTileCols;
    a_tile[idx] = c < cols ? p.A[static_cast<int64_t>(r) * cols + c] : 0.0f;
  }
  for (int idx = threadIdx.x; idx < kTileRows * rank; idx += kThreads) {
    const int i = row0 + idx / rank;
    b_tile[idx] = i < rows ? p.scale * p.B[static_cast<int64_t>(row0) * rank + idx] : 0.0f;
  }

  const int tx = threadIdx.x % kColGroups, ty = threadIdx.x / kColGroups;
  const int c0 = col0 + tx * kColsPerThread;
  T* const weight = static_cast<T*>(p.weight);

  // Issue every load of W before the shared-memory barrier and the arithmetic (memory-level parallelism).
  float w[kRowsPerThread][kColsPerThread];
#pragma unroll
  for (int k = 0; k < kRowsPerThread; ++k) {
    const int i = row0 + ty + k * kRowGroups;
    const T* row = weight + static_cast<int64_t>(i) * p.ld_weight;
    if (kVector) {
      if (i < rows && c0 < cols) load4(row + c0, w[k]);
    } else {
#pragma unroll
      for (int c = 0; c < kColsPerThread; ++c)
        if (i < rows && c0 + c < cols) w[k][c] = to_float(row[c0 + c]);
    }
  }
  __syncthreads();

  float acc[kRowsPerThread][kColsPerThread] = {};
#pragma unroll 4
  for (int r = 0; r < rank; ++r) {
    const float4 a = *reinterpret_cast<const float4*>(a_tile + r * kTileCols + tx * kColsPerThread);
#pragma unroll
    for (int k = 0; k < kRowsPerThread; ++k) {
      const float b = b_tile[(ty + k * kRowGroups) * rank + r];  // the same address across a warp: broadcast
      acc[k][0] = fmaf(b, a.x, acc[k][0]);
      acc[k][1] = fmaf(b, a.y, acc[k][1]);
      acc[k][2] = fmaf(b, a.z, acc[k][2]);
      acc[k][3] = fmaf(b, a.w, acc[k][3]);
    }
  }

#pragma unroll
  for (int k = 0; k < kRowsPerThread; ++k) {
    const int i = row0 + ty + k * kRowGroups;
    if (i >= rows) continue;
    T* row = weight + static_cast<int64_t>(i) * p.ld_weight;
    float out[kColsPerThread];
#pragma unroll
    for (int c = 0; c < kColsPerThread; ++c) out[c] = w[k][c] + acc[k][c];
    if (kVector) {
      if (c0 < cols) store4(row + c0, out);
    } else {
#pragma unroll
      for (int c = 0; c < kColsPerThread; ++c)
        if (c0 + c < cols) row[c0 + c] = from_float<T>(out[c]);
    }
  }
}

template <typename T>
cudaError_t launch(const ProblemBatch& batch, int tiles, int max_rank, bool vector, cudaStream_t stream) {
  const size_t shared_bytes = static_cast<size_t>(max_rank) * (kTileCols + kTileRows) * sizeof(float);
  if (vector) grouped_merge_kernel<T, true><<<tiles, kThreads, shared_bytes, stream>>>(batch);
  else grouped_merge_kernel<T, false><<<tiles, kThreads, shared_bytes, stream>>>(batch);
  return cudaGetLastError();
}

size_t element_size(LoraMergeDtype dtype) { return dtype == LORA_MERGE_F32 ? 4 : 2; }

}  // namespace

extern "C" cudaError_t lora_grouped_merge(const LoraMergeProblem* problems, int count, LoraMergeDtype dtype,
                                          cudaStream_t stream) {
  if (count < 0 || (count > 0 && !problems)) return cudaErrorInvalidValue;
  if (dtype != LORA_MERGE_F32 && dtype != LORA_MERGE_F16 && dtype != LORA_MERGE_BF16) return cudaErrorInvalidValue;
  for (int g = 0; g < count; ++g) {
    const LoraMergeProblem& p = problems[g];
    if (p.rank < 0 || p.rank > LORA_MERGE_MAX_RANK || p.rows < 0 || p.cols < 0 || p.ld_weight < p.cols)
      return cudaErrorInvalidValue;
    if (p.rank > 0 && p.rows > 0 && p.cols > 0 && (!p.weight || !p.A || !p.B)) return cudaErrorInvalidValue;
  }
  const size_t elem = element_size(dtype);
  ProblemBatch batch;  // ~26 KB: static storage would not be thread-safe, the stack is fine on the host
  int g = 0;
  while (g < count) {
    batch.count = 0;
    long long tiles = 0;
    int max_rank = 1;
    bool vector = true;
    for (; g < count && batch.count < LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH; ++g) {
      const LoraMergeProblem& p = problems[g];
      if (p.rank == 0 || p.rows == 0 || p.cols == 0) continue;  // nothing to add
      const long long t = static_cast<long long>((p.rows + kTileRows - 1) / kTileRows) * ((p.cols + kTileCols - 1) / kTileCols);
      if (tiles + t > 0x7fffffffLL) break;  // the next launch takes it
      batch.tile_start[batch.count] = static_cast<int>(tiles);
      batch.problems[batch.count++] = p;
      tiles += t;
      if (p.rank > max_rank) max_rank = p.rank;
      const bool aligned = reinterpret_cast<uintptr_t>(p.weight) % (4 * elem) == 0;
      if (!aligned || p.cols % 4 != 0 || p.ld_weight % 4 != 0) vector = false;
    }
    if (batch.count == 0) continue;
    batch.tile_start[batch.count] = static_cast<int>(tiles);
    cudaError_t err = cudaSuccess;
    switch (dtype) {
      case LORA_MERGE_F32: err = launch<float>(batch, static_cast<int>(tiles), max_rank, vector, stream); break;
      case LORA_MERGE_F16: err = launch<__half>(batch, static_cast<int>(tiles), max_rank, vector, stream); break;
      case LORA_MERGE_BF16: err = launch<__nv_bfloat16>(batch, static_cast<int>(tiles), max_rank, vector, stream); break;
    }
    if (err != cudaSuccess) return err;
  }
  return cudaSuccess;
}
