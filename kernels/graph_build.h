#pragma once
// The normalised user-item adjacency of LightGCN:
//   A = [[0, R], [R^T, 0]] over N = U + I nodes (users first, then items),
//   Â = D^-1/2 A D^-1/2, value of edge (u, U+i) = 1 / sqrt(deg(u) deg(i)).
// Nodes of degree 0 keep an empty row. Â is symmetric.
#include <cstdint>

#include "kernels/spmm.h"

namespace mmgraph::kernels {

// train_row_ptr [U+1], train_col [nnz] (item ids, sorted per user).
CsrHost normalized_bipartite_adjacency_cpu(int32_t n_users, int32_t n_items,
                                           const int64_t* train_row_ptr,
                                           const int32_t* train_col);

}  // namespace mmgraph::kernels
