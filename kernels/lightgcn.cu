// CUDA LightGCN propagation: each layer is one chunked SpMM (spmm_device.cuh)
// whose epilogue accumulates the layer mean (forward) or the Horner sum
// (backward), so no layer needs a separate pass over [N x d]. The first layer
// reads x0 (forward) or g (backward) directly and scales in the epilogue; the
// last forward layer does not store its layer output (nothing reads it).
#include "kernels/cuda_check.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm_device.cuh"

namespace mmgraph::kernels {

namespace {

using detail::VecOps;

// dst[e] += src[e]; one thread per element.
__global__ void add_into(int64_t n, const float* __restrict__ src, float* __restrict__ dst) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < n) dst[e] += src[e];
}

// Forward layer with v = (A cur)[r, j..]: y = v (unless y is null, last layer);
// out = c x0 + c v on the first layer (x0 non-null), out += c v after.
struct ForwardEpilogue {
  float* y;
  float* out;
  const float* x0;
  float c;
  int64_t d;
  template <typename V>
  __device__ void operator()(int64_t r, int64_t j, V v) const {
    using Ops = VecOps<V>;
    const int64_t o = r * d + j;
    if (y) Ops::store(y + o, v);
    const V base = x0 ? Ops::scale(c, Ops::load_ro(x0 + o)) : Ops::load(out + o);
    Ops::store(out + o, Ops::fma(c, v, base));
  }
  bool aligned16() const { return cuda::is_aligned16(y) && cuda::is_aligned16(out) && cuda::is_aligned16(x0); }
};

// Backward (Horner) layer with v = (A h)[r, j..]: dst = c g + scale_v v, or
// dst += c g + scale_v v on the last layer (dst = grad_x0). The first layer
// multiplies g itself by A, hence scale_v = c there (h_0 = c g) and 1 after.
struct BackwardEpilogue {
  float* dst;
  const float* g;
  float c;
  float scale_v;
  bool accumulate;
  int64_t d;
  template <typename V>
  __device__ void operator()(int64_t r, int64_t j, V v) const {
    using Ops = VecOps<V>;
    const int64_t o = r * d + j;
    V val = Ops::fma(scale_v, v, Ops::scale(c, Ops::load_ro(g + o)));
    if (accumulate) val = Ops::add(Ops::load(dst + o), val);
    Ops::store(dst + o, val);
  }
  bool aligned16() const { return cuda::is_aligned16(dst) && cuda::is_aligned16(g); }
};

}  // namespace

void lightgcn_forward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* x0, float* out, float* work,
                           void* spmm_scratch, cudaStream_t stream) {
  const int64_t n = adj.n_rows;
  if (n_layers == 0) {
    if (n * d > 0)
      MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(out, x0, static_cast<size_t>(n * d) * sizeof(float),
                                         cudaMemcpyDeviceToDevice, stream));
    return;
  }
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  const float* cur = x0;
  for (int l = 1; l <= n_layers; ++l) {
    float* y = l == n_layers ? nullptr : work + ((l - 1) % 2) * n * d;
    detail::spmm_csr_launch(adj, d, cur, spmm_scratch, ForwardEpilogue{y, out, l == 1 ? x0 : nullptr, c, d}, stream);
    cur = y;
  }
}

void lightgcn_backward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* grad_out, float* grad_x0,
                            float* work, void* spmm_scratch, cudaStream_t stream) {
  const int64_t n = adj.n_rows;
  if (n_layers == 0) {
    cuda::launch("add_into", &add_into, n * d, 256, stream, n * d, grad_out, grad_x0);
    return;
  }
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  const float* h = grad_out;
  for (int l = 1; l <= n_layers; ++l) {
    const bool last = l == n_layers;
    float* dst = last ? grad_x0 : work + ((l - 1) % 2) * n * d;
    detail::spmm_csr_launch(adj, d, h, spmm_scratch, BackwardEpilogue{dst, grad_out, c, l == 1 ? c : 1.0f, last, d},
                            stream);
    h = dst;
  }
}

void lightgcn_layer_forward_cuda(const CsrView& adj, int64_t d, int layer, int n_layers, const float* x0,
                                 const float* cur, float* y, float* out, void* spmm_scratch, cudaStream_t stream) {
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  detail::spmm_csr_launch(adj, d, cur, spmm_scratch, ForwardEpilogue{y, out, layer == 1 ? x0 : nullptr, c, d}, stream);
}

void lightgcn_layer_backward_cuda(const CsrView& adj, int64_t d, int layer, int n_layers, const float* g,
                                  const float* h, float* dst, void* spmm_scratch, cudaStream_t stream) {
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  detail::spmm_csr_launch(adj, d, h, spmm_scratch,
                          BackwardEpilogue{dst, g, c, layer == 1 ? c : 1.0f, layer == n_layers, d}, stream);
}

}  // namespace mmgraph::kernels
