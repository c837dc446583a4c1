// CUDA Adam: dense (one thread per element) and lazy rows (one warp per row).
#include <cmath>

#include "kernels/adam.h"
#include "kernels/cuda_check.h"

namespace mmgraph::kernels {

namespace {

struct AdamScalars {
  float lr_t, b1, b2, eps, wd, inv_sqrt_bc2;
};

AdamScalars adam_scalars(const AdamParams& p) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(p.beta1), static_cast<double>(p.step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(p.beta2), static_cast<double>(p.step));
  return AdamScalars{static_cast<float>(p.lr / bc1), p.beta1, p.beta2, p.eps, p.weight_decay,
                     static_cast<float>(1.0 / std::sqrt(bc2))};
}

// Same operation order as adam_cpu.cpp so that results agree to rounding.
__device__ __forceinline__ void adam_element(const AdamScalars& s, float& param, float grad, float& m, float& v) {
  const float g = grad + s.wd * param;
  m = s.b1 * m + (1.0f - s.b1) * g;
  v = s.b2 * v + (1.0f - s.b2) * g * g;
  param -= s.lr_t * m / (sqrtf(v) * s.inv_sqrt_bc2 + s.eps);
}

// One thread per element; param/grad/m/v each read and written once.
__global__ void adam_dense(int64_t n, AdamScalars s, float* __restrict__ param, const float* __restrict__ grad,
                           float* __restrict__ m, float* __restrict__ v) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < n) {
    float p = param[e], mm = m[e], vv = v[e];
    adam_element(s, p, grad[e], mm, vv);
    param[e] = p;
    m[e] = mm;
    v[e] = vv;
  }
}

// One warp per touched row; lanes stride over the row's d columns.
__global__ void adam_rows(int64_t n_rows, const int32_t* __restrict__ rows, int64_t d, AdamScalars s,
                          float* __restrict__ param, const float* __restrict__ grad, float* __restrict__ m,
                          float* __restrict__ v) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (k >= n_rows) return;
  const int64_t base = static_cast<int64_t>(rows[k]) * d;
  for (int64_t j = threadIdx.x % 32; j < d; j += 32) adam_element(s, param[base + j], grad[base + j], m[base + j], v[base + j]);
}

}  // namespace

void adam_dense_cuda(int64_t n, const AdamParams& p, float* param, const float* grad, float* m, float* v,
                     cudaStream_t stream) {
  if (n == 0) return;
  constexpr int kBlock = 256;
  adam_dense<<<static_cast<unsigned>(cuda::div_round_up<int64_t>(n, kBlock)), kBlock, 0, stream>>>(
      n, adam_scalars(p), param, grad, m, v);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

void adam_rows_cuda(int64_t n_rows, const int32_t* rows, int64_t d, const AdamParams& p, float* param,
                    const float* grad, float* m, float* v, cudaStream_t stream) {
  if (n_rows == 0) return;
  constexpr int kBlock = 256;
  adam_rows<<<static_cast<unsigned>(cuda::div_round_up<int64_t>(n_rows * 32, kBlock)), kBlock, 0, stream>>>(
      n_rows, rows, d, adam_scalars(p), param, grad, m, v);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

}  // namespace mmgraph::kernels
