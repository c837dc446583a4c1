#pragma once
// Deterministic column sums on the GPU (a helper of the CUDA ops, no CPU twin
// needed: the CPU references sum columns in their own loops):
//   out[c] += sum_r w[r] x[r, c] over the rows of a row-major [n x cols] matrix (w null: all ones).
// Two passes: fixed chunks of rows give per-chunk sums in scratch, which are then
// added chunk by chunk. The chunking depends on n alone and there are no atomics,
// so the value is bit-identical run to run and on any GPU.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Floats of device scratch that column_weighted_sum_cuda needs for these sizes.
int64_t column_sum_scratch_floats(int64_t n, int64_t cols);

void column_weighted_sum_cuda(int64_t n, int64_t cols, const float* x, const float* w, float* out, float* scratch,
                              cudaStream_t stream);

}  // namespace mmgraph::kernels
