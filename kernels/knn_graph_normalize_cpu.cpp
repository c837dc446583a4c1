// Item-item graph construction on the CPU: kNN lists -> D^-1/2 A D^-1/2, and the weighted sum
// of the modalities' graphs. Rows are independent but cheap (k entries); plain loops.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "kernels/knn_graph_normalize.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

namespace {

// D^-1/2 of a degree; 0 for degree 0.
double inv_sqrt_degree(double degree) { return degree > 0 ? 1.0 / std::sqrt(degree) : 0.0; }

}  // namespace

KnnAdjacencyRows knn_adjacency_rows_cpu(int64_t n, int64_t row_first, int64_t n_rows, int k, const int32_t* idx,
                                        const float* sim, bool weighted) {
  if (n_rows > 0 && k < 1) throw Error("knn_normalized_graph_cpu: k must be positive, got " + std::to_string(k));
  KnnAdjacencyRows a;
  a.n_cols = n;
  a.row_ptr.assign(static_cast<size_t>(n_rows) + 1, 0);
  a.degree.assign(static_cast<size_t>(n_rows), 0.0);
  std::vector<std::pair<int32_t, double>> row;
  for (int64_t i = 0; i < n_rows; ++i) {
    row.clear();
    for (int j = 0; j < k; ++j) {
      const int32_t c = idx[i * k + j];
      if (c == -1) continue;  // fewer than k neighbours found
      if (c < 0 || c >= n)
        throw Error("knn_normalized_graph_cpu: row " + std::to_string(row_first + i) + " lists id " +
                    std::to_string(c) + " outside 0.." + std::to_string(n - 1));
      const double w = weighted ? (sim[i * k + j] > 0 ? static_cast<double>(sim[i * k + j]) : 0.0) : 1.0;
      row.emplace_back(c, w);
    }
    std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t e = 0; e < row.size(); ++e) {
      if (e > 0 && row[e].first == row[e - 1].first)
        throw Error("knn_normalized_graph_cpu: row " + std::to_string(row_first + i) + " lists id " +
                    std::to_string(row[e].first) + " twice");
      if (row[e].second == 0) continue;
      a.col.push_back(row[e].first);
      a.val.push_back(row[e].second);
      a.degree[i] += row[e].second;
    }
    a.row_ptr[i + 1] = static_cast<int64_t>(a.col.size());
  }
  return a;
}

CsrHost knn_normalize_rows_cpu(const KnnAdjacencyRows& a, const double* column_degree) {
  CsrHost s;
  s.n_rows = static_cast<int64_t>(a.degree.size());
  s.n_cols = a.n_cols;
  s.row_ptr.assign(a.row_ptr.size(), 0);
  s.col.reserve(a.col.size());
  s.val.reserve(a.col.size());
  for (int64_t i = 0; i < s.n_rows; ++i) {
    const double inv_row = inv_sqrt_degree(a.degree[i]);
    for (int64_t e = a.row_ptr[i]; e < a.row_ptr[i + 1]; ++e) {
      const double v = a.val[e] * inv_row * inv_sqrt_degree(column_degree[a.col[e]]);
      if (v == 0) continue;
      s.col.push_back(a.col[e]);
      s.val.push_back(static_cast<float>(v));
    }
    s.row_ptr[i + 1] = static_cast<int64_t>(s.col.size());
  }
  return s;
}

// Pass 1 over every row, whose degrees are then all the column degrees pass 2 needs.
CsrHost knn_normalized_graph_cpu(int64_t n, int k, const int32_t* idx, const float* sim, bool weighted) {
  const KnnAdjacencyRows a = knn_adjacency_rows_cpu(n, 0, n, k, idx, sim, weighted);
  return knn_normalize_rows_cpu(a, a.degree.data());
}

CsrHost csr_weighted_sum_cpu(const std::vector<const CsrHost*>& mats, const std::vector<float>& weights) {
  if (mats.empty() || mats.size() != weights.size())
    throw Error("csr_weighted_sum_cpu: needs one weight per matrix and at least one matrix (" +
                std::to_string(mats.size()) + " matrices, " + std::to_string(weights.size()) + " weights)");
  CsrHost out;
  out.n_rows = mats[0]->n_rows;
  out.n_cols = mats[0]->n_cols;
  for (const CsrHost* m : mats) {
    if (m->n_rows != out.n_rows || m->n_cols != out.n_cols)
      throw Error("csr_weighted_sum_cpu: shapes differ (" + std::to_string(m->n_rows) + " x " +
                  std::to_string(m->n_cols) + " vs " + std::to_string(out.n_rows) + " x " +
                  std::to_string(out.n_cols) + ")");
    if (m->val.size() != m->col.size()) throw Error("csr_weighted_sum_cpu: an input has no values");
  }
  out.row_ptr.assign(static_cast<size_t>(out.n_rows) + 1, 0);
  std::vector<std::pair<int32_t, double>> row;
  for (int64_t r = 0; r < out.n_rows; ++r) {
    row.clear();
    for (size_t m = 0; m < mats.size(); ++m)
      for (int64_t e = mats[m]->row_ptr[r]; e < mats[m]->row_ptr[r + 1]; ++e)
        row.emplace_back(mats[m]->col[e], static_cast<double>(weights[m]) * mats[m]->val[e]);
    // Stable: the terms of one column stay in the order of mats (and of the input row).
    std::stable_sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t e = 0; e < row.size();) {
      const int32_t c = row[e].first;
      double sum = 0;
      for (; e < row.size() && row[e].first == c; ++e) sum += row[e].second;
      out.col.push_back(c);
      out.val.push_back(static_cast<float>(sum));
    }
    out.row_ptr[r + 1] = static_cast<int64_t>(out.col.size());
  }
  return out;
}

}  // namespace mmgraph::kernels
