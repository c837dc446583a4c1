// CUDA twin of row L2 normalisation.
#include "kernels/cuda_check.h"
#include "kernels/l2_normalize.h"
#include "kernels/loss_device.cuh"

namespace mmgraph::kernels {

namespace {

// One warp per row: lanes stride the d columns, the norm by a warp sum.
__global__ void l2_normalize_rows_forward_rowwarp(int64_t n, int64_t d, const float* x, float* y) {
  const int64_t i = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= n) return;
  float s = 0;
  for (int64_t c = lane; c < d; c += 32) s += x[i * d + c] * x[i * d + c];
  const float r = fmaxf(sqrtf(warp_sum(s)), kNormalizeEps);
  for (int64_t c = lane; c < d; c += 32) y[i * d + c] = x[i * d + c] / r;
}

// One warp per row: the norm and y . dy by warp sums, then the row update.
__global__ void l2_normalize_rows_backward_rowwarp(int64_t n, int64_t d, const float* x, const float* y,
                                                   const float* dy, float* dx) {
  const int64_t i = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= n) return;
  float s = 0, dot = 0;
  for (int64_t c = lane; c < d; c += 32) {
    s += x[i * d + c] * x[i * d + c];
    dot += y[i * d + c] * dy[i * d + c];
  }
  const float norm = sqrtf(warp_sum(s));
  dot = warp_sum(dot);
  if (norm < kNormalizeEps) {
    for (int64_t c = lane; c < d; c += 32) dx[i * d + c] += dy[i * d + c] / kNormalizeEps;
    return;
  }
  for (int64_t c = lane; c < d; c += 32) dx[i * d + c] += (dy[i * d + c] - y[i * d + c] * dot) / norm;
}

}  // namespace

void l2_normalize_rows_forward_cuda(int64_t n, int64_t d, const float* x, float* y, cudaStream_t stream) {
  cuda::launch("l2_normalize_rows_forward", &l2_normalize_rows_forward_rowwarp, n * 32, 256, stream, n, d, x, y);
}

void l2_normalize_rows_backward_cuda(int64_t n, int64_t d, const float* x, const float* y, const float* dy, float* dx,
                                     cudaStream_t stream) {
  cuda::launch("l2_normalize_rows_backward", &l2_normalize_rows_backward_rowwarp, n * 32, 256, stream, n, d, x, y, dy,
               dx);
}

}  // namespace mmgraph::kernels
