// CUDA LightGCN propagation: each layer is one chunked SpMM whose epilogue
// accumulates the layer mean (forward) or the Horner sum (backward).
#include "kernels/cuda_check.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm_device.cuh"

namespace mmgraph::kernels {

namespace {

// out[e] = c * in[e]; one thread per element.
__global__ void scale_copy(int64_t n, float c, const float* __restrict__ in, float* __restrict__ out) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < n) out[e] = c * in[e];
}

// out[e] += c * in[e]; one thread per element.
__global__ void scale_add(int64_t n, float c, const float* __restrict__ in, float* __restrict__ out) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < n) out[e] += c * in[e];
}

void launch_elementwise(void (*kernel)(int64_t, float, const float*, float*), int64_t n, float c, const float* in,
                        float* out, cudaStream_t stream) {
  if (n == 0) return;
  constexpr int kBlock = 256;
  kernel<<<static_cast<unsigned>(cuda::div_round_up<int64_t>(n, kBlock)), kBlock, 0, stream>>>(n, c, in, out);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

// Forward layer: y = A cur; out += c y.
struct ForwardLayerEpilogue {
  float* y;
  float* out;
  float c;
  int64_t d;
  __device__ void full(int64_t r, int64_t j, float v) const {
    y[r * d + j] = v;
    out[r * d + j] += c * v;
  }
  __device__ void fixup(int64_t r, int64_t j) const { out[r * d + j] += c * y[r * d + j]; }
};

// Backward inner layer: next = c g + A h (split rows accumulate A h in next).
struct BackwardInnerEpilogue {
  float* next;
  const float* g;
  float c;
  int64_t d;
  __device__ void full(int64_t r, int64_t j, float v) const { next[r * d + j] = c * g[r * d + j] + v; }
  __device__ void fixup(int64_t r, int64_t j) const { next[r * d + j] += c * g[r * d + j]; }
};

// Backward last layer: grad_x0 += c g + A h (split rows accumulate A h in scratch).
struct BackwardLastEpilogue {
  float* grad_x0;
  const float* scratch;
  const float* g;
  float c;
  int64_t d;
  __device__ void full(int64_t r, int64_t j, float v) const { grad_x0[r * d + j] += c * g[r * d + j] + v; }
  __device__ void fixup(int64_t r, int64_t j) const {
    grad_x0[r * d + j] += c * g[r * d + j] + scratch[r * d + j];
  }
};

}  // namespace

void lightgcn_forward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* x0, float* out, float* work,
                           cudaStream_t stream) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  launch_elementwise(scale_copy, n * d, c, x0, out, stream);
  const float* cur = x0;
  for (int l = 1; l <= n_layers; ++l) {
    float* next = work + ((l - 1) % 2) * n * d;
    detail::spmm_csr_launch(adj, d, cur, next, ForwardLayerEpilogue{next, out, c, d}, stream);
    MMGRAPH_CUDA_CHECK_LAUNCH(stream);
    cur = next;
  }
}

void lightgcn_backward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* grad_out, float* grad_x0,
                            float* work, cudaStream_t stream) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  if (n_layers == 0) {
    launch_elementwise(scale_add, n * d, 1.0f, grad_out, grad_x0, stream);
    return;
  }
  float* h = work;
  launch_elementwise(scale_copy, n * d, c, grad_out, h, stream);
  for (int l = 1; l <= n_layers; ++l) {
    float* next = work + (l % 2) * n * d;
    if (l == n_layers) {
      detail::spmm_csr_launch(adj, d, h, next, BackwardLastEpilogue{grad_x0, next, grad_out, c, d}, stream);
    } else {
      detail::spmm_csr_launch(adj, d, h, next, BackwardInnerEpilogue{next, grad_out, c, d}, stream);
    }
    MMGRAPH_CUDA_CHECK_LAUNCH(stream);
    h = next;
  }
}

}  // namespace mmgraph::kernels
