#pragma once
// Counts NaN and +-Inf values: the trainer's divergence guard runs it over the
// gradients of every step before the optimizer applies them. And, on the CPU, counts
// non-zero values.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// The number of elements of x[0, n) that are not finite (float32, or bf16 bit patterns of kernels/bf16.h).
int64_t count_nonfinite_cpu(const float* x, int64_t n);
int64_t count_nonfinite_bf16_cpu(const uint16_t* x, int64_t n);
// The number of elements of x[0, n) that are not zero (NaN counts; -0 does not): the CPU device's
// Adam step leaves out a parameter whose gradient and moments are all zero (Adam would leave it
// as it is).
int64_t count_nonzero_cpu(const float* x, int64_t n);

// Adds the non-finite count into *count (device memory) on `stream`, without synchronising.
void count_nonfinite_cuda(const float* x, int64_t n, int64_t* count, cudaStream_t stream);
void count_nonfinite_bf16_cuda(const uint16_t* x, int64_t n, int64_t* count, cudaStream_t stream);

// A bf16 bit pattern is a NaN or an infinity when its 8 exponent bits are all ones.
MMGRAPH_HD bool bf16_nonfinite(uint16_t b) { return (b & 0x7f80u) == 0x7f80u; }

}  // namespace mmgraph::kernels
