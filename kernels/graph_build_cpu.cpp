// CPU construction of LightGCN's normalised bipartite adjacency.
#include "kernels/graph_build.h"

namespace mmgraph::kernels {

CsrHost normalized_bipartite_adjacency_cpu(int32_t n_users, int32_t n_items,
                                           const int64_t* train_row_ptr,
                                           const int32_t* train_col) {
  const int64_t nnz = train_row_ptr[n_users];
  const int64_t n = static_cast<int64_t>(n_users) + n_items;
  std::vector<int64_t> item_degree(static_cast<size_t>(n_items), 0);
  for (int64_t k = 0; k < nnz; ++k) ++item_degree[train_col[k]];

  CsrHost a;
  a.n_rows = a.n_cols = n;
  a.row_ptr.assign(static_cast<size_t>(n) + 1, 0);
  for (int32_t u = 0; u < n_users; ++u) a.row_ptr[u + 1] = train_row_ptr[u + 1] - train_row_ptr[u];
  for (int32_t i = 0; i < n_items; ++i) a.row_ptr[static_cast<int64_t>(n_users) + i + 1] = item_degree[i];
  for (int64_t r = 0; r < n; ++r) a.row_ptr[r + 1] += a.row_ptr[r];
  a.col.resize(static_cast<size_t>(2 * nnz));
  a.val.resize(static_cast<size_t>(2 * nnz));

  std::vector<int64_t> next(a.row_ptr.begin() + n_users, a.row_ptr.end() - 1);
  // Users in increasing order fill both their own rows and the item rows, so
  // every row's columns come out sorted (item rows list users ascending).
  for (int32_t u = 0; u < n_users; ++u) {
    const int64_t du = train_row_ptr[u + 1] - train_row_ptr[u];
    for (int64_t k = train_row_ptr[u]; k < train_row_ptr[u + 1]; ++k) {
      const int32_t i = train_col[k];
      const float w = bipartite_edge_value(du, item_degree[i]);
      a.col[k] = n_users + i;
      a.val[k] = w;
      const int64_t dst = next[i]++;
      a.col[dst] = u;
      a.val[dst] = w;
    }
  }
  return a;
}

}  // namespace mmgraph::kernels
