// CUDA Adam: one thread per float4 (float32 storage) or per element (bf16), fused read-update-write.
#include <cmath>
#include <cstdint>

#include "kernels/adam.h"
#include "kernels/adam_rule.h"
#include "kernels/cuda_check.h"

namespace mmgraph::kernels {

namespace {

// One thread per 4 elements (float4 loads and stores; `n_vec4` vectors), then
// one thread per element of the scalar tail [4 n_vec4, n). param, grad, m, v
// are each read and written once; the same per-element arithmetic either way.
__global__ void adam_dense(int64_t n, int64_t n_vec4, AdamScalars s, float* __restrict__ param,
                           const float* __restrict__ grad, float* __restrict__ m, float* __restrict__ v) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n_vec4) {
    float4 p = reinterpret_cast<float4*>(param)[i], mm = reinterpret_cast<float4*>(m)[i],
           vv = reinterpret_cast<float4*>(v)[i];
    const float4 g = __ldg(reinterpret_cast<const float4*>(grad) + i);
    adam_element(s, p.x, g.x, mm.x, vv.x);
    adam_element(s, p.y, g.y, mm.y, vv.y);
    adam_element(s, p.z, g.z, mm.z, vv.z);
    adam_element(s, p.w, g.w, mm.w, vv.w);
    reinterpret_cast<float4*>(param)[i] = p;
    reinterpret_cast<float4*>(m)[i] = mm;
    reinterpret_cast<float4*>(v)[i] = vv;
    return;
  }
  const int64_t e = 4 * n_vec4 + (i - n_vec4);
  if (e < n) {
    float p = param[e], mm = m[e], vv = v[e];
    adam_element(s, p, grad[e], mm, vv);
    param[e] = p;
    m[e] = mm;
    v[e] = vv;
  }
}

// One thread per element of bf16 storage (three 2-byte loads and stores and one 4-byte gradient load
// per element: the kernel is bound by memory like the float32 one, and a Philox draw per element is
// cheap beside it).
__global__ void adam_bf16(int64_t n, AdamScalars s, uint64_t seed, uint64_t step, uint64_t counter_first,
                          uint16_t* __restrict__ param, const float* __restrict__ grad, uint16_t* __restrict__ m,
                          uint16_t* __restrict__ v) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n) return;
  uint16_t p = param[e], mm = m[e], vv = v[e];
  adam_bf16_element(s, seed, step, counter_first + static_cast<uint64_t>(e), p, __ldg(grad + e), mm, vv);
  param[e] = p;
  m[e] = mm;
  v[e] = vv;
}

}  // namespace

void adam_bf16_cuda(int64_t n, const AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                    const float* grad, uint16_t* m, uint16_t* v, cudaStream_t stream) {
  cuda::launch("adam_bf16", &adam_bf16, n, 256, stream, n, adam_scalars(p), seed, static_cast<uint64_t>(p.step),
               counter_first, param, grad, m, v);
}

void adam_dense_cuda(int64_t n, const AdamParams& p, float* param, const float* grad, float* m, float* v,
                     cudaStream_t stream) {
  const bool vec = cuda::is_aligned16(param) && cuda::is_aligned16(grad) && cuda::is_aligned16(m) &&
                   cuda::is_aligned16(v);
  const int64_t n_vec4 = vec ? n / 4 : 0;
  const int64_t threads = n_vec4 + (n - 4 * n_vec4);
  cuda::launch("adam_dense", &adam_dense, threads, 256, stream, n, n_vec4, adam_scalars(p), param, grad, m, v);
}

}  // namespace mmgraph::kernels
