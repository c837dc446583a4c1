// CUDA twin of the dense layer: cuBLAS SGEMMs on the row-major data seen as
// column-major transposes, a bias broadcast and a deterministic column sum; with bf16 x,
// tiles of x widened to float32 scratch first.
#include <algorithm>

#include "kernels/bf16.h"
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

// dst[e] = float(x[e]) for e < count, one thread per element: a memory-bound copy whose loads
// (2 bytes) and stores (4 bytes) are coalesced across the warp.
__global__ void widen_bf16(int64_t count, const uint16_t* x, float* dst) {
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e < count) dst[e] = bf16_to_float(x[e]);
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
                          float* dx, float* dw, float* db, float* db_scratch, cublasHandle_t cublas,
                          cudaStream_t stream) {
  if (n == 0 || out == 0) return;
  const float one = 1.0f;
  if (in > 0) {
    // dx^T [in x n] += (w^T)^T [in x out] dy^T [out x n]
    if (dx)
      MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_T, CUBLAS_OP_N, to_int(in), to_int(n), to_int(out), &one, w,
                                     to_int(out), dy, to_int(out), &one, dx, to_int(in)));
    // dw^T [out x in] += dy^T [out x n] (x^T)^T [n x in]
    if (dw)
      MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_T, to_int(out), to_int(in), to_int(n), &one, dy,
                                     to_int(out), x, to_int(in), &one, dw, to_int(out)));
  }
  if (db) column_weighted_sum_cuda(n, out, dy, nullptr, db, db_scratch, stream);
}

size_t linear_bf16x_cuda_scratch_bytes(int64_t n, int64_t in, int64_t out, int64_t tile_floats) {
  const int64_t floats = std::max(linear_bf16x_tile_rows(n, in, tile_floats) * in, column_sum_scratch_floats(n, out));
  return static_cast<size_t>(floats) * sizeof(float);
}

void linear_forward_bf16x_cuda(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                               float* y, int64_t tile_floats, void* scratch, cublasHandle_t cublas,
                               cudaStream_t stream) {
  if (n == 0 || out == 0) return;
  const int64_t tile = linear_bf16x_tile_rows(n, in, tile_floats);
  float* xf = static_cast<float*>(scratch);
  for (int64_t r0 = 0; r0 < n; r0 += tile) {
    const int64_t rows = std::min(tile, n - r0);
    cuda::launch("widen_bf16", &widen_bf16, rows * in, 256, stream, rows * in, x + r0 * in, xf);
    linear_forward_cuda(rows, in, out, xf, w, b, y + r0 * out, cublas, stream);
  }
}

void linear_backward_bf16x_cuda(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                                float* db, int64_t tile_floats, void* scratch, cublasHandle_t cublas,
                                cudaStream_t stream) {
  if (n == 0 || out == 0) return;
  if (in > 0) {
    const int64_t tile = linear_bf16x_tile_rows(n, in, tile_floats);
    float* xf = static_cast<float*>(scratch);
    for (int64_t r0 = 0; r0 < n; r0 += tile) {
      const int64_t rows = std::min(tile, n - r0);
      cuda::launch("widen_bf16", &widen_bf16, rows * in, 256, stream, rows * in, x + r0 * in, xf);
      // dw += xf^T dy[r0 ..]; w is read only for dx, which is not asked for.
      linear_backward_cuda(rows, in, out, xf, nullptr, dy + r0 * out, nullptr, dw, nullptr, nullptr, cublas, stream);
    }
  }
  // db over all n rows at once (in = 0: the column sums only), as the float32 layer sums them; the
  // tiles are done with the scratch by then (stream order).
  if (db)
    linear_backward_cuda(n, 0, out, nullptr, nullptr, dy, nullptr, nullptr, db, static_cast<float*>(scratch), cublas,
                         stream);
}

}  // namespace mmgraph::kernels
