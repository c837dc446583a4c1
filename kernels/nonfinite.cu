// CUDA twin of the non-finite count (see nonfinite.h).
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/nonfinite.h"

namespace mmgraph::kernels {

namespace {

constexpr int kThreads = 256;

// Grid-stride loop, one element per thread per pass; a warp vote and one
// atomic per warp that saw a bad value (almost always none: no atomics at all).
__global__ void __launch_bounds__(kThreads) count_nonfinite_gridstride(const float* x, int64_t n,
                                                                       unsigned long long* count) {
  unsigned bad = 0;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * kThreads)
    bad += isfinite(x[e]) ? 0u : 1u;
  for (int offset = 16; offset > 0; offset /= 2) bad += __shfl_down_sync(0xffffffffu, bad, offset);
  if ((threadIdx.x & 31) == 0 && bad != 0) atomicAdd(count, static_cast<unsigned long long>(bad));
}

}  // namespace

void count_nonfinite_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream) {
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(cuda::div_round_up<int64_t>(n, kThreads), 1024));
  count_nonfinite_gridstride<<<blocks, kThreads, 0, stream>>>(x, n, count);
  cuda::check_launch(stream, "count_nonfinite_gridstride", __FILE__, __LINE__);
}

}  // namespace mmgraph::kernels
