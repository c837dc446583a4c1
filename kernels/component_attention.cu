// CUDA twin of the fine-grained (component-level) attention (see component_attention.h).
#include <cmath>

#include "kernels/component_attention.h"
#include "kernels/cuda_check.h"
#include "kernels/loss_device.cuh"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;

// <u, v> over d values, lanes taking every 32nd; every lane gets the sum.
__device__ float warp_dot(const float* u, const float* v, int64_t d, int lane) {
  float s = 0.0f;
  for (int64_t j = lane; j < d; j += 32) s += u[j] * v[j];
  return warp_sum(s);
}

// One warp per pair: the scores (lane 0 stores them in a, then their softmax), then z, each lane
// its columns of d. A warp reads the pair's components twice, the second time from L2 mostly.
__global__ void component_attention_forward_warp(ComponentPairs pairs, int64_t n_max, int64_t d, float scale,
                                                 const int32_t* __restrict__ count, const float* __restrict__ q,
                                                 const float* __restrict__ x, float* __restrict__ a,
                                                 float* __restrict__ z) {
  const int64_t p = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (p >= pairs.pairs) return;
  const int64_t k = pairs.item[p], n = count[k];
  const float* qp = q + p * d;
  const float* xk = x + k * n_max * d;
  float* ap = a + p * n_max;
  float most = -INFINITY;
  for (int64_t c = 0; c < n; ++c) {
    const float s = warp_dot(qp, xk + c * d, d, lane) * scale;
    if (lane == 0) ap[c] = s;
    most = fmaxf(most, s);
  }
  for (int64_t c = n + lane; c < n_max; c += 32) ap[c] = 0.0f;
  __syncwarp();
  float sum = 0.0f;
  for (int64_t c = 0; c < n; ++c) sum += expf(ap[c] - most);
  __syncwarp();
  for (int64_t c = lane; c < n; c += 32) ap[c] = expf(ap[c] - most) / sum;
  __syncwarp();
  for (int64_t j = lane; j < d; j += 32) {
    float zj = 0.0f;
    for (int64_t c = 0; c < n; ++c) zj += ap[c] * xk[c * d + j];
    z[p * d + j] = zj;
  }
}

// One warp per pair: the score gradients ds (stored by lane 0), then dq, each lane its columns.
__global__ void component_attention_dq_warp(ComponentPairs pairs, int64_t n_max, int64_t d, float scale,
                                            const int32_t* __restrict__ count, const float* __restrict__ x,
                                            const float* __restrict__ a, const float* __restrict__ z,
                                            const float* __restrict__ dz, float* __restrict__ dq,
                                            float* __restrict__ ds) {
  const int64_t p = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (p >= pairs.pairs) return;
  const int64_t k = pairs.item[p], n = count[k];
  const float* xk = x + k * n_max * d;
  const float* dzp = dz + p * d;
  const float gbar = warp_dot(dzp, z + p * d, d, lane);
  for (int64_t c = 0; c < n; ++c) {
    const float g = warp_dot(dzp, xk + c * d, d, lane);
    if (lane == 0) ds[p * n_max + c] = a[p * n_max + c] * (g - gbar);
  }
  __syncwarp();
  for (int64_t j = lane; j < d; j += 32) {
    float acc = dq[p * d + j];
    for (int64_t c = 0; c < n; ++c) acc += ds[p * n_max + c] * scale * xk[c * d + j];
    dq[p * d + j] = acc;
  }
}

// One warp per item: its pairs' terms added into its real components' rows in pair order (the CPU's
// order), each lane its columns; no atomics.
__global__ void component_attention_dx_warp(ComponentPairs pairs, int64_t n_max, int64_t d, float scale,
                                            const int32_t* __restrict__ count, const float* __restrict__ q,
                                            const float* __restrict__ a, const float* __restrict__ dz,
                                            const float* __restrict__ ds, float* __restrict__ dx) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (k >= pairs.items) return;
  const int64_t n = count[k];
  float* dxk = dx + k * n_max * d;
  for (int64_t e = pairs.item_pair_ptr[k]; e < pairs.item_pair_ptr[k + 1]; ++e) {
    const int64_t p = pairs.item_pairs[e];
    for (int64_t c = 0; c < n; ++c) {
      const float ac = a[p * n_max + c], dsc = ds[p * n_max + c] * scale;
      for (int64_t j = lane; j < d; j += 32) dxk[c * d + j] += ac * dz[p * d + j] + dsc * q[p * d + j];
    }
  }
}

}  // namespace

void component_attention_forward_cuda(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                      const float* q, const float* x, float* a, float* z, cudaStream_t stream) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  cuda::launch("component_attention_forward_warp", &component_attention_forward_warp, 32 * pairs.pairs, kBlock,
               stream, pairs, n_max, d, scale, count, q, x, a, z);
}

void component_attention_backward_cuda(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                       const float* q, const float* x, const float* a, const float* z,
                                       const float* dz, float* dq, float* dx, float* ds, cudaStream_t stream) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  cuda::launch("component_attention_dq_warp", &component_attention_dq_warp, 32 * pairs.pairs, kBlock, stream, pairs,
               n_max, d, scale, count, x, a, z, dz, dq, ds);
  cuda::launch("component_attention_dx_warp", &component_attention_dx_warp, 32 * pairs.items, kBlock, stream, pairs,
               n_max, d, scale, count, q, a, dz, ds, dx);
}

}  // namespace mmgraph::kernels
