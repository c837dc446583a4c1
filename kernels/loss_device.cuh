#pragma once
// Device helpers shared by the loss kernels (pointwise, WARP, InfoNCE): a warp
// sum, the fixed-order sum of per-example loss terms, and the scratch alignment.
#include <cstddef>
#include <cstdint>

namespace mmgraph::kernels {

constexpr int kLossBlock = 256;

// Butterfly sum: every lane ends with the same bits (each step adds a pair of
// equal values in both orders), so a branch on the result is warp-uniform.
__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Single block of kLossBlock threads: *out = scale * sum_{e < n} terms[e], each thread
// summing a fixed strided subset and a fixed tree combining them, so the value is
// bit-identical run to run (no atomics).
template <int kBlock>
__global__ void __launch_bounds__(kBlock) sum_terms_fixed_order(int64_t n, const float* terms, float scale,
                                                                float* out) {
  __shared__ float part[kBlock];
  float s = 0;
  for (int64_t e = threadIdx.x; e < n; e += kBlock) s += terms[e];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int stride = kBlock / 2; stride > 0; stride >>= 1) {
    if (static_cast<int>(threadIdx.x) < stride) part[threadIdx.x] += part[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = scale * part[0];
}

inline size_t align256(size_t bytes) { return (bytes + 255) / 256 * 256; }

}  // namespace mmgraph::kernels
