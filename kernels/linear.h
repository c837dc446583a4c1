#pragma once
// Dense layer y = x w + b (torch.nn.Linear with w stored [in x out]), row-major:
//   forward:  y [n x out] = x [n x in] w [in x out] + b [out]   (b may be null; y overwritten)
//   backward: dx += dy w^T, dw += x^T dy, db += column sums of dy; each of dx, dw, db may be null (skipped;
//   x may be null when dw is).
#include <algorithm>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

void linear_forward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y);
void linear_backward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db);

// CUDA twins: cuBLAS SGEMMs in the handle's math mode (FP32 as the engine sets it), a bias
// kernel and a fixed-order column sum (kernels/column_sum.h: bit-identical run to run).
// db_scratch: column_sum_scratch_floats(n, out) floats of device memory (unused when db is null).
void linear_forward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y,
                         cublasHandle_t cublas, cudaStream_t stream);
void linear_backward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                          float* dx, float* dw, float* db, float* db_scratch, cublasHandle_t cublas,
                          cudaStream_t stream);

// The same layer with x stored as bf16 (kernels/bf16.h bit patterns), as fixed item features are:
//   forward:  y [n x out] = float(x) [n x in] w [in x out] + b [out]   (b may be null; y overwritten)
//   backward: dw += float(x)^T dy, db += column sums of dy (db may be null); no dx (x is not trained).
// Both twins widen x a tile of linear_bf16x_tile_rows rows at a time into float32 scratch and run the
// float32 layer above on it: the result is the float32 layer's on the widened values (dw summed tile
// by tile), and no float32 copy of the whole of x ever exists. tile_floats bounds the tile
// (kLinearBf16xTileFloats in the engine; tests pass small ones to cut n into several tiles).
inline constexpr int64_t kLinearBf16xTileFloats = int64_t{1} << 24;  // 64 MiB of float32

// Rows per tile: min(n, max(1, tile_floats / in)) (n when in = 0).
inline int64_t linear_bf16x_tile_rows(int64_t n, int64_t in, int64_t tile_floats) {
  return std::min(n, in > 0 ? std::max<int64_t>(1, tile_floats / in) : n);
}

void linear_forward_bf16x_cpu(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                              float* y, int64_t tile_floats);
void linear_backward_bf16x_cpu(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                               float* db, int64_t tile_floats);
// CUDA twins: a widening kernel per tile, then the float32 CUDA layer (cuBLAS SGEMMs) on the tile.
// scratch: device memory (16-byte aligned) of linear_bf16x_cuda_scratch_bytes(n, in, out, tile_floats) bytes
// (the widened tile; the backward's column sums of dy reuse it after the last tile).
size_t linear_bf16x_cuda_scratch_bytes(int64_t n, int64_t in, int64_t out, int64_t tile_floats);
void linear_forward_bf16x_cuda(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                               float* y, int64_t tile_floats, void* scratch, cublasHandle_t cublas,
                               cudaStream_t stream);
void linear_backward_bf16x_cuda(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                                float* db, int64_t tile_floats, void* scratch, cublasHandle_t cublas,
                                cudaStream_t stream);

}  // namespace mmgraph::kernels
