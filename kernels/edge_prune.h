#pragma once
// FREEDOM's degree-sensitive edge pruning (Zhou & Shen, 2023): each epoch keeps
// n_keep of the training edges (u, i), drawn without replacement with
// probability proportional to w_ui = 1 / sqrt(d_u d_i) (degrees of the full
// training graph), as torch.multinomial(w, n_keep, replacement=False) does.
// Drawn by Efraimidis-Spirakis keys k_e = log(U_e) / w_e with U_e a Philox
// uniform of (seed, epoch, e) (edge_prune_rule.h): the n_keep largest keys (ties
// by the lower edge index) are a weighted sample without replacement, and a pure
// function of (seed, epoch) whatever the thread count or device.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common.h"
#include "kernels/spmm.h"

namespace mmgraph::kernels {

// Training edges as CSR by user (train_row_ptr [U+1], train_col [nnz] sorted per
// row; edge e is the e-th non-zero). n_keep is clamped to [0, nnz].
// Returns the kept edges as a CSR of the same shape (columns still sorted).
struct PrunedEdges {
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col;
};
PrunedEdges degree_sensitive_prune_cpu(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr,
                                       const int32_t* train_col, int64_t n_keep, uint64_t seed, uint64_t epoch);

// The normalised adjacency of the kept edges, exactly as
// normalized_bipartite_adjacency_cpu (graph_build.h) lays it out: N = U + I rows
// (users, then items), columns sorted within each row, 2 min(n_keep, nnz) values.
// CPU: degree_sensitive_prune_cpu, then normalized_bipartite_adjacency_cpu.
CsrHost pruned_adjacency_cpu(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                             int64_t n_keep, uint64_t seed, uint64_t epoch);

// CUDA twin (device pointers; nnz = train_row_ptr[U] given on the host). Writes
// row_ptr [U+I+1], col and val [2 min(n_keep, nnz)]: the same kept edges, and the
// same CSR bit for bit (row_ptr, col and val; keys and edge values come from the
// shared rules). Keys sorted by CUB's stable radix sort, kept-graph degrees by
// atomics and a CUB prefix sum, item rows by a stable radix sort of the kept edges
// by item. scratch: device memory (256-byte aligned) of
// pruned_adjacency_cuda_scratch_bytes(n_users, n_items, nnz) bytes, about
// 32 nnz + 8 I bytes.
size_t pruned_adjacency_cuda_scratch_bytes(int32_t n_users, int32_t n_items, int64_t nnz);
void pruned_adjacency_cuda(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                           int64_t nnz, int64_t n_keep, uint64_t seed, uint64_t epoch, int64_t* row_ptr,
                           int32_t* col, float* val, void* scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
