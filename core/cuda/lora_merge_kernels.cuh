#pragma once
// Grouped low-rank merge on the GPU: W_g += s_g · B_g · A_g for G matrices in one kernel launch.
// Plain CUDA with a C-style launcher (no LibTorch), so it builds with nvcc alone.
//
// W_g is [rows, cols] (row stride ld_weight, unit column stride) in float32, float16 or bfloat16; B_g [rows, rank]
// and A_g [rank, cols] are contiguous float32. The product is accumulated in float32 and added to W in float32,
// then rounded once into W's type. Memory-bound: each element of W is read and written exactly once; B rows and
// A columns of a tile are staged in shared memory.
#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LORA_MERGE_MAX_RANK 64           // largest rank the kernel handles
#define LORA_MERGE_MAX_PROBLEMS_PER_LAUNCH 512  // more problems are split into several launches

typedef enum LoraMergeDtype { LORA_MERGE_F32 = 0, LORA_MERGE_F16 = 1, LORA_MERGE_BF16 = 2 } LoraMergeDtype;

typedef struct LoraMergeProblem {
  void* weight;       // W [rows, cols]: element (i, j) at weight[i * ld_weight + j]
  const float* B;     // [rows, rank], row-major, contiguous
  const float* A;     // [rank, cols], row-major, contiguous
  float scale;        // s
  int rank;           // 1 .. LORA_MERGE_MAX_RANK (0: the problem is skipped)
  int rows, cols;
  int64_t ld_weight;  // >= cols
} LoraMergeProblem;

// Enqueues the merge of `count` problems (all with W of type `dtype`) on `stream`. `problems` is a host array
// that may be freed as soon as the call returns (it travels as kernel parameters). Returns cudaSuccess, or
// cudaErrorInvalidValue for a bad problem (rank out of range, null pointer, ld_weight < cols), or the launch error.
cudaError_t lora_grouped_merge(const LoraMergeProblem* problems, int count, LoraMergeDtype dtype, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
