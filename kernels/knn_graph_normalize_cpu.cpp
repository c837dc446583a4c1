// Item-item graph construction on the CPU: kNN lists -> D^-1/2 A D^-1/2, and the weighted sum
// of the modalities' graphs. Rows are independent but cheap (k entries); plain loops.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "kernels/knn_graph_normalize.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

CsrHost knn_normalized_graph_cpu(int64_t n, int k, const int32_t* idx, const float* sim, bool weighted) {
  if (n > 0 && k < 1) throw Error("knn_normalized_graph_cpu: k must be positive, got " + std::to_string(k));
  CsrHost s;
  s.n_rows = s.n_cols = n;
  s.row_ptr.assign(static_cast<size_t>(n) + 1, 0);
  // Pass 1: the positive entries of A, columns sorted, and the row sums D.
  std::vector<double> degree(static_cast<size_t>(n), 0.0);
  std::vector<double> a;
  std::vector<std::pair<int32_t, double>> row;
  for (int64_t i = 0; i < n; ++i) {
    row.clear();
    for (int j = 0; j < k; ++j) {
      const int32_t c = idx[i * k + j];
      if (c < 0 || c >= n)
        throw Error("knn_normalized_graph_cpu: row " + std::to_string(i) + " lists id " + std::to_string(c) +
                    " outside 0.." + std::to_string(n - 1));
      const double w = weighted ? (sim[i * k + j] > 0 ? static_cast<double>(sim[i * k + j]) : 0.0) : 1.0;
      row.emplace_back(c, w);
    }
    std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t e = 0; e < row.size(); ++e) {
      if (e > 0 && row[e].first == row[e - 1].first)
        throw Error("knn_normalized_graph_cpu: row " + std::to_string(i) + " lists id " +
                    std::to_string(row[e].first) + " twice");
      if (row[e].second == 0) continue;
      s.col.push_back(row[e].first);
      a.push_back(row[e].second);
      degree[i] += row[e].second;
    }
    s.row_ptr[i + 1] = static_cast<int64_t>(s.col.size());
  }
  // Pass 2: S = A scaled by D^-1/2 on both sides; entries whose column has degree 0 become 0 and go.
  std::vector<double> inv_sqrt(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) inv_sqrt[i] = degree[i] > 0 ? 1.0 / std::sqrt(degree[i]) : 0.0;
  s.val.reserve(a.size());
  int64_t kept = 0, begin = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t end = s.row_ptr[i + 1];
    for (int64_t e = begin; e < end; ++e) {
      const double v = a[e] * inv_sqrt[i] * inv_sqrt[s.col[e]];
      if (v == 0) continue;
      s.col[kept++] = s.col[e];
      s.val.push_back(static_cast<float>(v));
    }
    begin = end;
    s.row_ptr[i + 1] = kept;
  }
  s.col.resize(static_cast<size_t>(kept));
  return s;
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
