#pragma once
// Deterministic column sums on the GPU (a helper of the CUDA ops, no CPU twin
// needed: the CPU references sum columns in their own loops):
//   out[c] += sum_r w[r] x[r, c] over the rows of a row-major [n x cols] matrix (w null: all ones).
// No atomics: the value is bit-identical run to run.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

void column_weighted_sum_cuda(int64_t n, int64_t cols, const float* x, const float* w, float* out,
                              cudaStream_t stream);

}  // namespace mmgraph::kernels
