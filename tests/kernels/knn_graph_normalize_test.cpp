// kNN graph normalisation: D^-1/2 A D^-1/2 from kNN lists (a hand-worked case, then random lists and the kNN
// op's own lists against dense float64 math, weighted and not) and the weighted sum of CSR matrices
// against a dense float64 sum.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "kernels/knn_graph.h"
#include "kernels/knn_graph_normalize.h"
#include "mmgraph/errors.h"
#include "support/knn_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using Dense = std::vector<std::vector<double>>;

Dense to_dense(const kernels::CsrHost& a) {
  Dense d(a.n_rows, std::vector<double>(a.n_cols, 0.0));
  for (int64_t r = 0; r < a.n_rows; ++r)
    for (int64_t e = a.row_ptr[r]; e < a.row_ptr[r + 1]; ++e) d[r][a.col[e]] += a.val[e];
  return d;
}

// Columns strictly increasing in every row, exactly the non-zeros of `dense` stored, each within
// one float ulp (2^-23 relative) of it: the op computes in float64 and rounds once.
void expect_csr_equals_dense(const kernels::CsrHost& a, const Dense& dense) {
  ASSERT_EQ(a.n_rows, static_cast<int64_t>(dense.size()));
  ASSERT_EQ(a.row_ptr.size(), dense.size() + 1);
  ASSERT_EQ(a.col.size(), a.val.size());
  for (int64_t r = 0; r < a.n_rows; ++r) {
    int64_t nonzeros = 0;
    for (double v : dense[r]) nonzeros += v != 0;
    EXPECT_EQ(a.row_ptr[r + 1] - a.row_ptr[r], nonzeros) << "row " << r;
    for (int64_t e = a.row_ptr[r]; e < a.row_ptr[r + 1]; ++e) {
      if (e > a.row_ptr[r]) {
        EXPECT_LT(a.col[e - 1], a.col[e]) << "row " << r;
      }
      const double want = dense[r][a.col[e]];
      EXPECT_NEAR(a.val[e], want, 0x1p-23 * std::fabs(want)) << "row " << r << " col " << a.col[e];
    }
  }
}

// S = D^-1/2 A D^-1/2 in float64, D the row sums of A.
Dense normalized_dense(int64_t n, int k, const std::vector<int32_t>& idx, const std::vector<float>& sim, bool weighted) {
  Dense a(n, std::vector<double>(n, 0.0));
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j)
      if (idx[i * k + j] >= 0)  // -1: no neighbour
        a[i][idx[i * k + j]] = weighted ? std::max(0.0, static_cast<double>(sim[i * k + j])) : 1.0;
  std::vector<double> d(n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (double v : a[i]) d[i] += v;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      a[i][j] = d[i] > 0 && d[j] > 0 ? a[i][j] / std::sqrt(d[i]) / std::sqrt(d[j]) : 0.0;
  return a;
}

TEST(KnnNormalizedGraph, HandWorkedExample) {
  // Row 3's cosines are all <= 0: weighted, its degree is 0, so its row is empty and row 1's
  // entry in column 3 (0.4 / sqrt(d1 * 0)) is dropped, while the 0.4 still counts in d1.
  const std::vector<int32_t> idx = {0, 1, 1, 3, 2, 0, 3, 1};
  const std::vector<float> sim = {1.0f, 0.5f, 1.0f, 0.4f, 1.0f, 0.3f, 0.0f, -0.1f};
  const auto w = kernels::knn_normalized_graph_cpu(4, 2, idx.data(), sim.data(), true);
  EXPECT_EQ(w.row_ptr, (std::vector<int64_t>{0, 2, 3, 5, 5}));
  EXPECT_EQ(w.col, (std::vector<int32_t>{0, 1, 1, 0, 2}));
  const double d0 = 1.5, d1 = 1.4, d2 = 1.3;
  const std::vector<double> want = {1 / d0, 0.5 / std::sqrt(d0 * d1), 1 / d1, 0.3 / std::sqrt(d2 * d0), 1 / d2};
  for (size_t e = 0; e < want.size(); ++e) EXPECT_NEAR(w.val[e], want[e], 1e-7) << e;
  // Unweighted: every row has degree 2, every entry 1/2.
  const auto u = kernels::knn_normalized_graph_cpu(4, 2, idx.data(), nullptr, false);
  EXPECT_EQ(u.row_ptr, (std::vector<int64_t>{0, 2, 4, 6, 8}));
  EXPECT_EQ(u.col, (std::vector<int32_t>{0, 1, 1, 3, 0, 2, 1, 3}));
  EXPECT_EQ(u.val, std::vector<float>(8, 0.5f));
}

TEST(KnnNormalizedGraph, RandomAndKnnListsMatchDenseFloat64) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t n = 300;
  const int k = 7;
  // Random lists: distinct ids, cosines in [-0.4, 1], every 10th row all negative; every 7th row
  // found fewer than k neighbours (its last ones -1, as an approximate index leaves them).
  std::vector<int32_t> idx(n * k);
  std::vector<float> sim(n * k);
  std::uniform_real_distribution<float> cosine(-0.4f, 1.0f);
  std::vector<int32_t> ids(n);
  for (int64_t i = 0; i < n; ++i) {
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (int j = 0; j < k; ++j) {
      idx[i * k + j] = ids[j];
      sim[i * k + j] = i % 10 == 0 ? -std::fabs(cosine(rng)) : cosine(rng);
      if (i % 7 == 3 && j >= k - 1 - i % 3) idx[i * k + j] = -1;
    }
  }
  // The kNN op's lists over features with a zero row (whose cosines are all 0).
  const auto f = testing::knn_features(n, 20, seed, 11);
  std::vector<int32_t> knn_idx(n * k);
  std::vector<float> knn_sim(n * k);
  kernels::knn_cosine_topk_cpu(n, 20, f.data(), k, knn_idx.data(), knn_sim.data());
  for (bool weighted : {true, false}) {
    SCOPED_TRACE(weighted ? "weighted" : "unweighted");
    expect_csr_equals_dense(kernels::knn_normalized_graph_cpu(n, k, idx.data(), sim.data(), weighted),
                            normalized_dense(n, k, idx, sim, weighted));
    expect_csr_equals_dense(kernels::knn_normalized_graph_cpu(n, k, knn_idx.data(), knn_sim.data(), weighted),
                            normalized_dense(n, k, knn_idx, knn_sim, weighted));
  }
}

// Rows cut into blocks [0, 1), [1, 120), [120, 121), [121, 300): each block's pass 1, the degrees of all
// blocks joined, then each block's pass 2 give the whole graph's rows bit for bit (with a zero row,
// whose weighted row is empty and whose column has degree 0).
TEST(KnnNormalizedGraph, RowBlocksGiveTheWholeGraphsRows) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 300;
  const int k = 9;
  const auto f = testing::knn_features(n, 20, seed, 11);
  std::vector<int32_t> idx(n * k);
  std::vector<float> sim(n * k);
  kernels::knn_cosine_topk_cpu(n, 20, f.data(), k, idx.data(), sim.data());
  const std::vector<int64_t> bounds = {0, 1, 120, 121, 300};
  for (bool weighted : {true, false}) {
    SCOPED_TRACE(weighted ? "weighted" : "unweighted");
    const kernels::CsrHost whole = kernels::knn_normalized_graph_cpu(n, k, idx.data(), sim.data(), weighted);
    std::vector<kernels::KnnAdjacencyRows> parts;
    std::vector<double> degree;
    for (size_t b = 0; b + 1 < bounds.size(); ++b) {
      const int64_t r0 = bounds[b], rows = bounds[b + 1] - r0;
      parts.push_back(
          kernels::knn_adjacency_rows_cpu(n, r0, rows, k, idx.data() + r0 * k, sim.data() + r0 * k, weighted));
      degree.insert(degree.end(), parts.back().degree.begin(), parts.back().degree.end());
    }
    for (size_t b = 0; b + 1 < bounds.size(); ++b) {
      const kernels::CsrHost rows = kernels::knn_normalize_rows_cpu(parts[b], degree.data());
      const int64_t r0 = bounds[b], e0 = whole.row_ptr[r0];
      ASSERT_EQ(rows.n_rows, bounds[b + 1] - r0);
      EXPECT_EQ(rows.n_cols, n);
      for (int64_t r = 0; r <= rows.n_rows; ++r) EXPECT_EQ(rows.row_ptr[r], whole.row_ptr[r0 + r] - e0) << r0 + r;
      EXPECT_TRUE(std::equal(rows.col.begin(), rows.col.end(), whole.col.begin() + e0));
      EXPECT_EQ(std::memcmp(rows.val.data(), whole.val.data() + e0, rows.val.size() * sizeof(float)), 0);
    }
  }
}

TEST(KnnNormalizedGraph, RejectsIdsOutOfRangeOrRepeated) {
  const std::vector<float> sim = {1.0f, 0.5f, 1.0f, 0.5f};
  const std::vector<int32_t> out_of_range = {0, 2, 1, 0}, negative = {0, -2, 1, 0}, repeated = {0, 1, 1, 1};
  EXPECT_THROW(kernels::knn_normalized_graph_cpu(2, 2, out_of_range.data(), sim.data(), true), Error);
  EXPECT_THROW(kernels::knn_normalized_graph_cpu(2, 2, negative.data(), sim.data(), false), Error);
  EXPECT_THROW(kernels::knn_normalized_graph_cpu(2, 2, repeated.data(), sim.data(), true), Error);
}

TEST(CsrWeightedSum, MatchesDenseFloat64) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = testing::random_csr(57, 43, 6, seed), b = testing::random_csr(57, 43, 3, seed + 1),
             c = testing::random_csr(57, 43, 12, seed + 2);
  const std::vector<float> w = {0.1f, 0.9f, -0.5f};
  const auto sum = kernels::csr_weighted_sum_cpu({&a, &b, &c}, w);
  const Dense da = to_dense(a), db = to_dense(b), dc = to_dense(c);
  Dense want(57, std::vector<double>(43, 0.0));
  for (int r = 0; r < 57; ++r)
    for (int j = 0; j < 43; ++j) want[r][j] = double{w[0]} * da[r][j] + double{w[1]} * db[r][j] + double{w[2]} * dc[r][j];
  EXPECT_EQ(sum.n_rows, 57);
  EXPECT_EQ(sum.n_cols, 43);
  expect_csr_equals_dense(sum, want);
}

TEST(CsrWeightedSum, MergesUnsortedAndRepeatedColumnsAndKeepsTheUnionPattern) {
  // Row 0 of x lists column 3 twice and out of order; y cancels x's column 1 (stored as 0).
  kernels::CsrHost x{2, 4, {0, 3, 4}, {3, 1, 3, 0}, {1.0f, 2.0f, 0.5f, 4.0f}};
  kernels::CsrHost y{2, 4, {0, 1, 1}, {1}, {-1.0f}};
  const auto s = kernels::csr_weighted_sum_cpu({&x, &y}, {0.5f, 1.0f});
  EXPECT_EQ(s.row_ptr, (std::vector<int64_t>{0, 2, 3}));
  EXPECT_EQ(s.col, (std::vector<int32_t>{1, 3, 0}));
  EXPECT_EQ(s.val, (std::vector<float>{0.0f, 0.75f, 2.0f}));
}

TEST(CsrWeightedSum, RejectsMismatchedInputs) {
  const auto a = testing::random_csr(5, 4, 2, 1), b = testing::random_csr(5, 3, 2, 2);
  EXPECT_THROW(kernels::csr_weighted_sum_cpu({&a, &b}, {1.0f, 1.0f}), Error);
  EXPECT_THROW(kernels::csr_weighted_sum_cpu({&a}, {1.0f, 1.0f}), Error);
  EXPECT_THROW(kernels::csr_weighted_sum_cpu({}, {}), Error);
}

}  // namespace
}  // namespace mmgraph
