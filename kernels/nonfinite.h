#pragma once
// Counts NaN and +-Inf values: the trainer's divergence guard runs it over the
// gradients of every step before the optimizer applies them.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// The number of elements of x[0, n) that are not finite.
int64_t count_nonfinite_cpu(const float* x, int64_t n);

// Adds that number into *count (device memory) on `stream`, without synchronising.
void count_nonfinite_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream);

}  // namespace mmgraph::kernels
