// Grouped low-rank merge kernel: see lora_merge_kernels.cuh.
//
// Work decomposition: every matrix is cut into tiles of kTileRows × kTileCols elements of W; the tiles of all
// matrices form one flat grid (one thread block per tile; a block finds its matrix by binary search over the
// tile offsets). A block stages B[tile rows, :]·s and A[:, tile cols] in shared memory, then each thread reads
// 16 contiguous bytes of W (4 float32 or 8 bf16/fp16 columns) in each of its 4 rows, so a warp reads whole
// 512-byte row segments (coalesced, one 128-bit access per thread and row), adds Σ_r B[i,r]·A[r,j]
// accumulated in float32, and writes the rounded result back.
#include "core/cuda/lora_merge_kernels.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace {

constexpr int kThreads = 256;
constexpr int kColGroups = 32;                    // one warp across a tile row
constexpr int kRowGroups = kThreads / kColGroups; // 8
constexpr int kRowsPerThread = 4;
constexpr int kTileRows = kRowGroups * kRowsPerThread;  // 32

// Per-dtype tile width: every thread accesses 16 bytes per row (4 float32 or 8 half/bfloat16 columns), so a warp
// reads or writes one contiguous 512-byte row segment and every thread keeps 64 bytes of W in flight.
template <typename T>
struct Layout {
  static constexpr int kVec = 16 / sizeof(T);            // columns per thread: 4 or 8
  static constexpr int kTileCols = kColGroups * kVec;    // 128 or 256
};
int tile_cols_for(size_t element_bytes) { return kColGroups * static_cast<int>(16 / element_bytes); }

struct ProblemBatch {
  LoraMergeProblem problems[LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH];
  int tile_start[LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH + 1];  // prefix sums of the tiles per problem
  int count;
};
static_assert(sizeof(ProblemBatch) <= 32764, "kernel parameters are limited to 32764 bytes (CUDA 12.1+)");

// ---- element conversions and 16-byte accesses ------------------------------------------------------------

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_float(float x);
template <> __device__ __forceinline__ float from_float<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// 16 bytes of W (held in a uint4 register) <-> floats: 4 float32 or 8 half/bfloat16 values.
__device__ __forceinline__ void unpack16(const uint4& raw, float v[4], float*) {
  v[0] = __uint_as_float(raw.x); v[1] = __uint_as_float(raw.y); v[2] = __uint_as_float(raw.z); v[3] = __uint_as_float(raw.w);
}
__device__ __forceinline__ void store16(float* p, const float v[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
}
template <typename Pair> __device__ __forceinline__ float2 pair_to_float2(unsigned word);
template <> __device__ __forceinline__ float2 pair_to_float2<__half2>(unsigned word) {
  __half2 h;
  memcpy(&h, &word, sizeof h);
  return __half22float2(h);
}
template <> __device__ __forceinline__ float2 pair_to_float2<__nv_bfloat162>(unsigned word) {
  __nv_bfloat162 h;
  memcpy(&h, &word, sizeof h);
  return __bfloat1622float2(h);
}
template <typename Pair> __device__ __forceinline__ Pair float2_to_pair(float a, float b);
template <> __device__ __forceinline__ __half2 float2_to_pair(float a, float b) { return __floats2half2_rn(a, b); }
template <> __device__ __forceinline__ __nv_bfloat162 float2_to_pair(float a, float b) { return __floats2bfloat162_rn(a, b); }
template <typename T> struct PairOf;
template <> struct PairOf<__half> { using type = __half2; };
template <> struct PairOf<__nv_bfloat16> { using type = __nv_bfloat162; };

template <typename T>
__device__ __forceinline__ void unpack16(const uint4& raw, float v[8], T*) {
  using Pair = typename PairOf<T>::type;
  const unsigned words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = pair_to_float2<Pair>(words[i]);
    v[2 * i] = f.x;
    v[2 * i + 1] = f.y;
  }
}
template <typename T>
__device__ __forceinline__ void store16(T* p, const float v[8]) {
  using Pair = typename PairOf<T>::type;
  unsigned words[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const Pair pair = float2_to_pair<Pair>(v[2 * i], v[2 * i + 1]);
    words[i] = *reinterpret_cast<const unsigned*>(&pair);
  }
  *reinterpret_cast<uint4*>(p) = make_uint4(words[0], words[1], words[2], words[3]);
}

// ---- the kernel -------------------------------------------------------------------------------------------

// kVector: every W row start is 16-byte aligned and cols is a multiple of the vector width, so 16-byte accesses
// are legal. 3 blocks of 256 threads per SM: at most 80 registers per thread (no spills).
template <typename T, bool kVector>
__global__ void __launch_bounds__(kThreads, 3) grouped_merge_kernel(const __grid_constant__ ProblemBatch batch) {
  constexpr int kVec = Layout<T>::kVec, kTileCols = Layout<T>::kTileCols;
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

  const int tx = threadIdx.x % kColGroups, ty = threadIdx.x / kColGroups;
  const int c0 = col0 + tx * kVec;
  T* const weight = static_cast<T*>(p.weight);

  // Issue every load of W first (memory-level parallelism), kept in W's own type until the end: 16-byte
  // registers on the vector path, elements on the scalar one.
  uint4 raw[kRowsPerThread];
  T w[kRowsPerThread][kVec];
#pragma unroll
  for (int k = 0; k < kRowsPerThread; ++k) {
    const int i = row0 + ty + k * kRowGroups;
    const T* row = weight + static_cast<int64_t>(i) * p.ld_weight;
    if (kVector) {
      raw[k] = make_uint4(0, 0, 0, 0);
      if (i < rows && c0 < cols) raw[k] = *reinterpret_cast<const uint4*>(row + c0);
    } else {
#pragma unroll
      for (int c = 0; c < kVec; ++c)
        if (i < rows && c0 + c < cols) w[k][c] = row[c0 + c];
    }
  }

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
  __syncthreads();

  float acc[kRowsPerThread][kVec] = {};
#pragma unroll 1
  for (int r = 0; r < rank; ++r) {
    float a[kVec];
#pragma unroll
    for (int c = 0; c < kVec; c += 4) {
      const float4 v = *reinterpret_cast<const float4*>(a_tile + r * kTileCols + tx * kVec + c);
      a[c] = v.x; a[c + 1] = v.y; a[c + 2] = v.z; a[c + 3] = v.w;
    }
#pragma unroll
    for (int k = 0; k < kRowsPerThread; ++k) {
      const float b = b_tile[(ty + k * kRowGroups) * rank + r];  // one address per warp: a broadcast
#pragma unroll
      for (int c = 0; c < kVec; ++c) acc[k][c] = fmaf(b, a[c], acc[k][c]);
    }
  }

#pragma unroll
  for (int k = 0; k < kRowsPerThread; ++k) {
    const int i = row0 + ty + k * kRowGroups;
    if (i >= rows) continue;
    T* row = weight + static_cast<int64_t>(i) * p.ld_weight;
    float out[kVec];
    if (kVector) {
      unpack16(raw[k], out, static_cast<T*>(nullptr));
#pragma unroll
      for (int c = 0; c < kVec; ++c) out[c] += acc[k][c];
      if (c0 < cols) store16(row + c0, out);
    } else {
#pragma unroll
      for (int c = 0; c < kVec; ++c) out[c] = to_float(w[k][c]) + acc[k][c];
#pragma unroll
      for (int c = 0; c < kVec; ++c)
        if (c0 + c < cols) row[c0 + c] = from_float<T>(out[c]);
    }
  }
}

template <typename T, bool kVector>
cudaError_t launch_one(const ProblemBatch& batch, int tiles, size_t shared_bytes, cudaStream_t stream) {
  if (shared_bytes > 48 * 1024) {  // large ranks: opt in to more than the default dynamic shared memory
    const cudaError_t err = cudaFuncSetAttribute(grouped_merge_kernel<T, kVector>,
                                                 cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared_bytes));
    if (err != cudaSuccess) return err;
  }
  grouped_merge_kernel<T, kVector><<<tiles, kThreads, shared_bytes, stream>>>(batch);
  return cudaGetLastError();
}

template <typename T>
cudaError_t launch(const ProblemBatch& batch, int tiles, int max_rank, bool vector, cudaStream_t stream) {
  const size_t shared_bytes = static_cast<size_t>(max_rank) * (Layout<T>::kTileCols + kTileRows) * sizeof(float);
  return vector ? launch_one<T, true>(batch, tiles, shared_bytes, stream)
                : launch_one<T, false>(batch, tiles, shared_bytes, stream);
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
  const int tile_cols = tile_cols_for(elem);
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
      const long long t = static_cast<long long>((p.rows + kTileRows - 1) / kTileRows) * ((p.cols + tile_cols - 1) / tile_cols);
      if (tiles + t > 0x7fffffffLL) break;  // the next launch takes it
      batch.tile_start[batch.count] = static_cast<int>(tiles);
      batch.problems[batch.count++] = p;
      tiles += t;
      if (p.rank > max_rank) max_rank = p.rank;
      const int vec = static_cast<int>(16 / elem);  // elements per 16-byte access
      const bool aligned = reinterpret_cast<uintptr_t>(p.weight) % 16 == 0;
      if (!aligned || p.cols % vec != 0 || p.ld_weight % vec != 0) vector = false;
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
