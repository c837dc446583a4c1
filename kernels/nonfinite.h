#pragma once
// Counts NaN and +-Inf values: the trainer's divergence guard runs it over the
// gradients of every step before the optimizer applies them. And counts non-zero values.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// The number of elements of x[0, n) that are not finite.
int64_t count_nonfinite_cpu(const float* x, int64_t n);
// The number of elements of x[0, n) that are not zero (NaN counts; -0 does not): the optimizer
// skips a parameter whose gradient and moments are all zero (Adam would leave it as it is).
int64_t count_nonzero_cpu(const float* x, int64_t n);

// Add that number into *count (device memory) on `stream`, without synchronising.
void count_nonfinite_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream);
void count_nonzero_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream);

}  // namespace mmgraph::kernels
