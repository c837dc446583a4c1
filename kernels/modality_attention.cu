// CUDA twin of modality-aware attention: the projection of all m views by one
// cuBLAS GEMM (the dense layer), then one fused kernel per direction; the
// query and bias gradients by fixed-order column sums (bit-identical runs).
#include "kernels/column_sum.h"
#include "kernels/cuda_check.h"
#include "kernels/linear.h"
#include "kernels/loss_device.cuh"
#include "kernels/modality_attention.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

namespace {

// One warp per row i: tanh of its m pre-activations in place, the scores
// q . t_j[i] by warp sums, the softmax over m in registers, z[i] = sum_j a_j h_j[i].
__global__ void attention_forward_rowwarp(int64_t n, int64_t d, int m, const float* h, const float* q, float* t,
                                          float* a, float* z) {
  const int64_t i = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= n) return;
  const int64_t nd = n * d;
  float s[kMaxModalities];
  float top = -INFINITY;
  for (int j = 0; j < m; ++j) {
    float dot = 0;
    for (int64_t c = lane; c < d; c += 32) {
      const float tc = tanhf(t[j * nd + i * d + c]);
      t[j * nd + i * d + c] = tc;
      dot += q[c] * tc;
    }
    s[j] = warp_sum(dot);
    top = fmaxf(top, s[j]);
  }
  float total = 0;
  for (int j = 0; j < m; ++j) total += (s[j] = expf(s[j] - top));
  for (int j = 0; j < m; ++j) s[j] /= total;
  if (lane < m) {
    for (int j = 0; j < m; ++j)
      if (j == lane) a[i * m + j] = s[j];
  }
  for (int64_t c = lane; c < d; c += 32) {
    float acc = 0;
    for (int j = 0; j < m; ++j) acc += s[j] * h[j * nd + i * d + c];
    z[i * d + c] = acc;
  }
}

// One warp per row i: da_j = dz . h_j[i] by warp sums, ds_j = a_j (da_j - sum_k a_k da_k),
// dh_j[i] += a_j dz[i], dpre_j[i] = ds_j q (1 - t^2) and ds_j (for dq) into work.
__global__ void attention_backward_rowwarp(int64_t n, int64_t d, int m, const float* h, const float* q, const float* t,
                                           const float* a, const float* dz, float* dh, float* dpre, float* ds_out) {
  const int64_t i = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= n) return;
  const int64_t nd = n * d;
  float da[kMaxModalities];
  float mean = 0;
  for (int j = 0; j < m; ++j) {
    float dot = 0;
    for (int64_t c = lane; c < d; c += 32) dot += dz[i * d + c] * h[j * nd + i * d + c];
    da[j] = warp_sum(dot);
    mean += a[i * m + j] * da[j];
  }
  for (int j = 0; j < m; ++j) {
    const float aj = a[i * m + j];
    const float ds = aj * (da[j] - mean);
    if (lane == 0) ds_out[j * n + i] = ds;
    for (int64_t c = lane; c < d; c += 32) {
      const int64_t e = j * nd + i * d + c;
      dh[e] += aj * dz[i * d + c];
      dpre[e] = ds * q[c] * (1.0f - t[e] * t[e]);
    }
  }
}

void check_modalities(int m) {
  if (m < 1 || m > kMaxModalities) throw Error("modality_attention: m out of range");
}

}  // namespace

void modality_attention_forward_cuda(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p,
                                     const float* q, float* t, float* a, float* z, cublasHandle_t cublas,
                                     cudaStream_t stream) {
  check_modalities(m);
  if (n == 0) return;
  linear_forward_cuda(m * n, d, d, h, P, p, t, cublas, stream);
  cuda::launch("attention_forward", &attention_forward_rowwarp, n * 32, 256, stream, n, d, m, h, q, t, a, z);
}

void modality_attention_backward_cuda(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q,
                                      const float* t, const float* a, const float* dz, float* dh, float* dP,
                                      float* dp, float* dq, float* work, float* sum_scratch, cublasHandle_t cublas,
                                      cudaStream_t stream) {
  check_modalities(m);
  if (n == 0) return;
  float* dpre = work;            // [m x n x d]
  float* ds = work + m * n * d;  // [m x n], view-major like t
  cuda::launch("attention_backward", &attention_backward_rowwarp, n * 32, 256, stream, n, d, m, h, q, t, a, dz, dh,
               dpre, ds);
  // dq[c] += sum over the m n rows of ds_r t_r[c]
  column_weighted_sum_cuda(m * n, d, t, ds, dq, sum_scratch, stream);
  // pre = h P + p: dh += dpre P^T, dP += h^T dpre, dp += column sums of dpre.
  linear_backward_cuda(m * n, d, d, h, P, dpre, dh, dP, dp, sum_scratch, cublas, stream);
}

}  // namespace mmgraph::kernels
