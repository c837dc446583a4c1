// CUDA twin of the non-finite count, float32 or bf16 (see nonfinite.h).
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/nonfinite.h"

namespace mmgraph::kernels {

namespace {

constexpr int kThreads = 256;

__device__ bool nonfinite(float x) { return !isfinite(x); }
__device__ bool nonfinite(uint16_t x) { return bf16_nonfinite(x); }

// Grid-stride loop, one element per thread per pass; a warp sum and one atomic
// per warp that counted something (almost always none). The count is added as an
// unsigned 64-bit integer: the same bits as the int64_t for any count >= 0.

template <typename T>
__global__ void __launch_bounds__(kThreads) count_nonfinite_gridstride(const T* x, int64_t n,
                                                                       unsigned long long* count) {
  unsigned hits = 0;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * kThreads)
    hits += nonfinite(x[e]) ? 1u : 0u;
  for (int offset = 16; offset > 0; offset /= 2) hits += __shfl_down_sync(0xffffffffu, hits, offset);
  if ((threadIdx.x & 31) == 0 && hits != 0) atomicAdd(count, static_cast<unsigned long long>(hits));
}

template <typename T>
void count_nonfinite_any(const T* x, int64_t n, int64_t* count, cudaStream_t stream) {
  static_assert(sizeof(int64_t) == sizeof(unsigned long long));
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(cuda::div_round_up<int64_t>(n, kThreads), 1024));
  count_nonfinite_gridstride<<<blocks, kThreads, 0, stream>>>(x, n, reinterpret_cast<unsigned long long*>(count));
  cuda::check_launch(stream, "count_nonfinite_gridstride", __FILE__, __LINE__);
}

}  // namespace

void count_nonfinite_cuda(const float* x, int64_t n, int64_t* count, cudaStream_t stream) {
  count_nonfinite_any(x, n, count, stream);
}

void count_nonfinite_bf16_cuda(const uint16_t* x, int64_t n, int64_t* count, cudaStream_t stream) {
  count_nonfinite_any(x, n, count, stream);
}

}  // namespace mmgraph::kernels
