// CPU implementation of FREEDOM's degree-sensitive edge pruning, once per epoch
// over the edge list (the CUDA device runs the twin in edge_prune.cu).
#include <algorithm>

#include "kernels/edge_prune.h"
#include "kernels/edge_prune_rule.h"
#include "kernels/graph_build.h"

namespace mmgraph::kernels {

PrunedEdges degree_sensitive_prune_cpu(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr,
                                       const int32_t* train_col, int64_t n_keep, uint64_t seed, uint64_t epoch) {
  const int64_t nnz = train_row_ptr[n_users];
  n_keep = std::clamp<int64_t>(n_keep, 0, nnz);
  std::vector<int64_t> item_degree(static_cast<size_t>(n_items), 0);
  for (int64_t k = 0; k < nnz; ++k) ++item_degree[static_cast<size_t>(train_col[k])];

  // key = log(U) / w = log(U) sqrt(d_u d_i), U in (0, 1]: larger keys are kept.
  std::vector<double> key(static_cast<size_t>(nnz));
#pragma omp parallel for schedule(static)
  for (int32_t u = 0; u < n_users; ++u) {
    const int64_t du = train_row_ptr[u + 1] - train_row_ptr[u];
    for (int64_t k = train_row_ptr[u]; k < train_row_ptr[u + 1]; ++k)
      key[static_cast<size_t>(k)] = prune_key(seed, epoch, k, du, item_degree[static_cast<size_t>(train_col[k])]);
  }
  std::vector<int64_t> order(static_cast<size_t>(nnz));
  for (int64_t k = 0; k < nnz; ++k) order[static_cast<size_t>(k)] = k;
  auto better = [&](int64_t a, int64_t b) {
    return key[static_cast<size_t>(a)] > key[static_cast<size_t>(b)] ||
           (key[static_cast<size_t>(a)] == key[static_cast<size_t>(b)] && a < b);
  };
  std::nth_element(order.begin(), order.begin() + n_keep, order.end(), better);
  std::vector<char> kept(static_cast<size_t>(nnz), 0);
  for (int64_t j = 0; j < n_keep; ++j) kept[static_cast<size_t>(order[static_cast<size_t>(j)])] = 1;

  PrunedEdges out;
  out.row_ptr.assign(static_cast<size_t>(n_users) + 1, 0);
  out.col.reserve(static_cast<size_t>(n_keep));
  for (int32_t u = 0; u < n_users; ++u) {
    for (int64_t k = train_row_ptr[u]; k < train_row_ptr[u + 1]; ++k)
      if (kept[static_cast<size_t>(k)]) out.col.push_back(train_col[k]);
    out.row_ptr[static_cast<size_t>(u) + 1] = static_cast<int64_t>(out.col.size());
  }
  return out;
}

CsrHost pruned_adjacency_cpu(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                             int64_t n_keep, uint64_t seed, uint64_t epoch) {
  const PrunedEdges kept =
      degree_sensitive_prune_cpu(n_users, n_items, train_row_ptr, train_col, n_keep, seed, epoch);
  return normalized_bipartite_adjacency_cpu(n_users, n_items, kept.row_ptr.data(), kept.col.data());
}

}  // namespace mmgraph::kernels
