#pragma once
// Exact top-k cosine neighbours of every item (the item-item kNN graph of LATTICE, FREEDOM, MGCN).
// Neither twin holds the n x n similarity matrix: rows are normalised (x / |x|, the norm summed in
// float64), similarity tiles come from a GEMM with FP32 accumulation, and each tile is merged into
// the running top-k of its rows, kept in out_idx / out_sim themselves. The float ops multiply the
// normalised rows in FP32 (no TF32): the twins' cosines agree to FP32 rounding (each within about
// (dim + 2) 2^-24 of the exact value), so their ids may differ only among neighbours that close.
// n = 0 does nothing; features must be finite.
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Exact top-k cosine neighbours of every row of features [n x dim] (row-major), self included (its
// cosine is 1). out_idx / out_sim [n x k]: neighbours by descending cosine, ties by the lower id.
// A zero row has cosine 0 with every row (and with itself). Requires 1 <= k <= n (k <= kMaxKnnK).
inline constexpr int kMaxKnnK = 128;
// CPU: a normalised copy of the features (n x dim floats), then OpenMP over row tiles of a grid of
// 1024 x 1024 tiles, each tile on or above the diagonal one single-threaded OpenBLAS SGEMM (4 MiB
// per thread; OpenBLAS is held to one thread while the op runs), so that the cosine of each pair
// {i, j} is computed once and merged into both rows' lists (the GEMM work of half the matrix). Each
// thread keeps its own lists for the rows it meets as columns (n x k ids and cosines, 8 n k bytes
// per thread), merged into the output at the end; the output does not depend on the thread count.
void knn_cosine_topk_cpu(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim);
// CUDA twin (device pointers; cublas: the caller's handle, its stream set to `stream`, host pointer
// mode). Rows are normalised a tile at a time into scratch: device memory (256-byte aligned) of
// knn_cosine_topk_cuda_scratch_bytes(n, dim, k) bytes, at most 256 MiB whatever n is when
// dim <= 2^19 (two T x dim row tiles and a T x T similarity tile, T <= 4096 a power of two).
size_t knn_cosine_topk_cuda_scratch_bytes(int64_t n, int64_t dim, int k);
void knn_cosine_topk_cuda(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx,
                          float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream);

// The op on features stored as bf16 (kernels/bf16.h bit patterns), as a bf16 GEMM: each row is
// widened, normalised in float as above (norm in float64), and the normalised row rounded to bf16;
// the tiles multiply these bf16 rows with FP32 accumulation and output (CPU: the normalised copy is
// n x dim bf16, each tile's rows widened to float, exactly, for the float op's SGEMM, plus two
// 1024 x dim float tiles per thread; CUDA: cublasGemmEx on CUDA_R_16BF rows, CUBLAS_COMPUTE_32F, in
// the float op's scratch). The products of bf16 values are exact in FP32, so the two twins share
// every product and differ only in the order of the FP32 sums: their cosines agree within about
// 2 (dim + 2) 2^-24. Rounding the normalised rows to bf16 (unit roundoff u = 2^-8) moves each
// cosine by at most 2u + u^2 (about 2^-7; about 2^-8 or less for most pairs) from the float op's,
// so the bf16 op's neighbours may differ from the float op's among neighbours that close.
void knn_cosine_topk_bf16_cpu(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                              float* out_sim);
void knn_cosine_topk_bf16_cuda(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                               float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream);

}  // namespace mmgraph::kernels
