#pragma once
// Dense layer y = x w + b (torch.nn.Linear with w stored [in x out]), row-major:
//   forward:  y [n x out] = x [n x in] w [in x out] + b [out]   (b may be null; y overwritten)
//   backward: dx += dy w^T (dx may be null: skipped), dw += x^T dy, db += column sums of dy (db may be null).
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

void linear_forward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y);
void linear_backward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db);

// CUDA twins: cuBLAS SGEMMs in the handle's math mode (FP32 as the engine sets it), a bias
// kernel and a fixed-order column sum (bit-identical run to run).
void linear_forward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y,
                         cublasHandle_t cublas, cudaStream_t stream);
void linear_backward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                          float* dx, float* dw, float* db, cublasHandle_t cublas, cudaStream_t stream);

}  // namespace mmgraph::kernels
