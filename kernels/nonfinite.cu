// CUDA twins of the non-finite and non-zero counts (see nonfinite.h).
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/nonfinite.h"

namespace mmgraph::kernels {

namespace {

constexpr int kThreads = 256;

struct NonFinite {
  __device__ bool operator()(float v) const { return !isfinite(v); }
};
struct NonZero {
  __device__ bool operator()(float v) const { return v != 0.0f; }
};

// Grid-stride loop, one element per thread per pass; a warp sum and one atomic
// per warp that counted something (for the non-finite count almost always none).
template <typename Counted>
__global__ void __launch_bounds__(kThreads) count_gridstride(const float* x, int64_t n, unsigned long long* count) {
  const Counted counted;
  unsigned hits = 0;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * kThreads)
    hits += counted(x[e]) ? 1u : 0u;
  for (int offset = 16; offset > 0; offset /= 2) hits += __shfl_down_sync(0xffffffffu, hits, offset);
  if ((threadIdx.x & 31) == 0 && hits != 0) atomicAdd(count, static_cast<unsigned long long>(hits));
}

template <typename Counted>
void count_cuda(const char* name, const float* x, int64_t n, unsigned long long* count, cudaStream_t stream) {
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(cuda::div_round_up<int64_t>(n, kThreads), 1024));
  count_gridstride<Counted><<<blocks, kThreads, 0, stream>>>(x, n, count);
  cuda::check_launch(stream, name, __FILE__, __LINE__);
}

}  // namespace

void count_nonfinite_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream) {
  count_cuda<NonFinite>("count_gridstride<NonFinite>", x, n, count, stream);
}

void count_nonzero_cuda(const float* x, int64_t n, unsigned long long* count, cudaStream_t stream) {
  count_cuda<NonZero>("count_gridstride<NonZero>", x, n, count, stream);
}

}  // namespace mmgraph::kernels
