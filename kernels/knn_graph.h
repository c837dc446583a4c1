#pragma once
// Exact top-k cosine neighbours of every item (the item-item kNN graph of LATTICE, FREEDOM, MGCN).
// Neither twin holds the n x n similarity matrix: rows are normalised (x / |x|, the norm summed in
// float64), similarity tiles come from an FP32 GEMM (no TF32), and each tile is merged into the
// running top-k of its rows, kept in out_idx / out_sim themselves. The twins' cosines agree to FP32
// rounding (each within about (dim + 2) 2^-24 of the exact value), so their ids may differ only among
// neighbours that close. n = 0 does nothing; features must be finite.
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Exact top-k cosine neighbours of every row of features [n x dim] (row-major), self included (its
// cosine is 1). out_idx / out_sim [n x k]: neighbours by descending cosine, ties by the lower id.
// A zero row has cosine 0 with every row (and with itself). Requires 1 <= k <= n (k <= kMaxKnnK).
inline constexpr int kMaxKnnK = 128;
// CPU: a normalised copy of the features (n x dim floats, its one large allocation), then OpenMP over
// tiles of 512 rows x 1024 columns, each a single-threaded OpenBLAS SGEMM (2 MiB per thread; OpenBLAS
// is held to one thread while the op runs); the output does not depend on the thread count.
void knn_cosine_topk_cpu(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim);
// CUDA twin (device pointers; cublas: the caller's handle, its stream set to `stream`, host pointer
// mode). Rows are normalised a tile at a time into scratch: device memory (256-byte aligned) of
// knn_cosine_topk_cuda_scratch_bytes(n, dim, k) bytes, at most 256 MiB whatever n is when
// dim <= 2^19 (two T x dim row tiles and a T x T similarity tile, T <= 4096 a power of two).
size_t knn_cosine_topk_cuda_scratch_bytes(int64_t n, int64_t dim, int k);
void knn_cosine_topk_cuda(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx,
                          float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream);

// The same op on features stored as bf16 (kernels/bf16.h bit patterns): each twin's output is, bit for
// bit, its float op's on the widened values (only the normalisation reads the features; the CUDA
// scratch is the same).
void knn_cosine_topk_bf16_cpu(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                              float* out_sim);
void knn_cosine_topk_bf16_cuda(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                               float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream);

}  // namespace mmgraph::kernels
