// CUDA twin of the dense layer: cuBLAS SGEMMs on the row-major data seen as
// column-major transposes, a bias broadcast and a deterministic column sum.
#include "kernels/column_sum.h"
#include "kernels/cuda_check.h"
#include "kernels/linear.h"

namespace mmgraph::kernels {

namespace {

// y[r, c] = b[c], one thread per element: the GEMM then adds x w (beta = 1).
__global__ void broadcast_bias(int64_t n, int64_t out, const float* b, float* y) {
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e < n * out) y[e] = b[e % out];
}

int to_int(int64_t v) { return static_cast<int>(v); }

}  // namespace

void linear_forward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y,
                         cublasHandle_t cublas, cudaStream_t stream) {
  if (n == 0 || out == 0) return;
  if (b) cuda::launch("broadcast_bias", &broadcast_bias, n * out, 256, stream, n, out, b, y);
  if (in == 0) {
    if (!b) MMGRAPH_CUDA_CHECK(cudaMemsetAsync(y, 0, static_cast<size_t>(n * out) * sizeof(float), stream));
    return;
  }
  const float one = 1.0f, beta = b ? 1.0f : 0.0f;
  // Column-major: y^T [out x n] = w^T [out x in] x^T [in x n].
  MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, to_int(out), to_int(n), to_int(in), &one, w,
                                 to_int(out), x, to_int(in), &beta, y, to_int(out)));
}

void linear_backward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                          float* dx, float* dw, float* db, cublasHandle_t cublas, cudaStream_t stream) {
  if (n == 0 || out == 0) return;
  const float one = 1.0f;
  if (in > 0) {
    // dx^T [in x n] += (w^T)^T [in x out] dy^T [out x n]
    if (dx)
      MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_T, CUBLAS_OP_N, to_int(in), to_int(n), to_int(out), &one, w,
                                     to_int(out), dy, to_int(out), &one, dx, to_int(in)));
    // dw^T [out x in] += dy^T [out x n] (x^T)^T [n x in]
    MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_T, to_int(out), to_int(in), to_int(n), &one, dy,
                                   to_int(out), x, to_int(in), &one, dw, to_int(out)));
  }
  if (db) column_weighted_sum_cuda(n, out, dy, nullptr, db, stream);
}

}  // namespace mmgraph::kernels
