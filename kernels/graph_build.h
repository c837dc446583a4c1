#pragma once
// The normalised user-item adjacency of LightGCN:
//   A = [[0, R], [R^T, 0]] over N = U + I nodes (users first, then items),
//   Â = D^-1/2 A D^-1/2, value of edge (u, U+i) = 1 / sqrt(deg(u) deg(i)).
// Nodes of degree 0 keep an empty row. Â is symmetric.
#include <math.h>

#include <cstdint>

#include "kernels/common.h"
#include "kernels/spmm.h"

namespace mmgraph::kernels {

// 1 / sqrt(deg) in double (0 for an isolated node).
MMGRAPH_HD double inv_sqrt_degree(int64_t deg) { return deg > 0 ? 1.0 / sqrt(static_cast<double>(deg)) : 0.0; }

// The value of edge (u, U + i) of Â, rounded to float once; shared with the CUDA
// twins that build Â (edge_prune.cu) so that they produce the same bits.
MMGRAPH_HD float bipartite_edge_value(int64_t user_degree, int64_t item_degree) {
  return static_cast<float>(inv_sqrt_degree(user_degree) * inv_sqrt_degree(item_degree));
}

// train_row_ptr [U+1], train_col [nnz] (item ids, sorted per user).
CsrHost normalized_bipartite_adjacency_cpu(int32_t n_users, int32_t n_items,
                                           const int64_t* train_row_ptr,
                                           const int32_t* train_col);

}  // namespace mmgraph::kernels
