#pragma once
// The kNN op of kernels/knn_graph.h a block of candidates at a time, for a graph built over several
// processes: each holds some query rows of the n items and merges the cosines against every block of
// candidate rows (its own, then the others' as they arrive) into the running top-k lists of its
// rows. The normalisation, the GEMM tiles (cut at the same global ids as knn_cosine_topk's) and the
// order of neighbours are the whole op's, so once the blocks of all n items are merged, in any
// order, the lists are each twin's knn_cosine_topk rows bit for bit.
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Empties the top-k lists idx / sim [n_rows x k]: every entry (id -1, cosine -inf), which any
// candidate outranks. A list's entries stay sorted by descending cosine, ties by the lower id.
void knn_topk_start_cpu(int64_t n_rows, int k, int32_t* idx, float* sim);
void knn_topk_start_cuda(int64_t n_rows, int k, int32_t* idx, float* sim, cudaStream_t stream);

// Of n items [n x dim], the query rows are items row_first .. row_first + n_rows - 1 (query
// [n_rows x dim], row-major) and the candidates items col_first .. col_first + n_cols - 1 (block
// [n_cols x dim]). Merges the cosine of every (query, candidate) pair into the query rows' lists
// idx / sim [n_rows x k] (global ids). Each candidate must be merged into a list once; after all n
// items' blocks the lists are knn_cosine_topk's rows row_first .. row_first + n_rows - 1 (the
// twin's own, bit for bit). Requires 1 <= k <= min(n, kMaxKnnK), both ranges inside 0 .. n - 1;
// n_rows = 0 or n_cols = 0 does nothing. The tiles of global ids that meet both ranges are computed
// whole (the rows outside them as zero rows), so a block that cuts tiles costs up to one tile more
// per cut (1024 rows or columns on the CPU, T on the GPU).
// CPU: OpenMP over row tiles; per thread one row tile, one column tile and the similarity tile
// (2 x 1024 x dim + 1024 x 1024 floats); nothing that grows with n_rows or n_cols. The whole CPU op
// computes each pair once, in the tile on or above the diagonal of its grid: this op computes the
// same tile for a pair below it (the block's rows as the GEMM's first operand) and reads it
// transposed, so that its cosines are the whole op's bit for bit.
void knn_block_topk_cpu(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                        int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx, float* sim);
// CUDA twin (device pointers; cublas: the caller's handle, its stream set to `stream`); its scratch
// is knn_cosine_topk_cuda's for the same n and dim: knn_cosine_topk_cuda_scratch_bytes(n, dim, k).
void knn_block_topk_cuda(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                         int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx, float* sim,
                         void* scratch, cublasHandle_t cublas, cudaStream_t stream);

}  // namespace mmgraph::kernels
