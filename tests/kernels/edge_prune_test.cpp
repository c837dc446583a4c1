// FREEDOM's degree-sensitive pruning: exact size, a subset of the training
// edges, determinism, and inclusion frequencies that follow 1/sqrt(d_u d_i).
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "kernels/edge_prune.h"

namespace mmgraph {
namespace {

// user 0: items {0, 1, 2}; user 1: {0}; user 2: {0, 3}. Item 0 has degree 3.
const std::vector<int64_t> kRowPtr = {0, 3, 4, 6};
const std::vector<int32_t> kCol = {0, 1, 2, 0, 0, 3};

std::set<std::pair<int32_t, int32_t>> edges_of(const kernels::PrunedEdges& p) {
  std::set<std::pair<int32_t, int32_t>> e;
  for (size_t u = 0; u + 1 < p.row_ptr.size(); ++u)
    for (int64_t k = p.row_ptr[u]; k < p.row_ptr[u + 1]; ++k) e.insert({static_cast<int32_t>(u), p.col[k]});
  return e;
}

TEST(EdgePrune, KeepsExactlyNKeepTrainingEdgesSortedPerUser) {
  const std::set<std::pair<int32_t, int32_t>> all = edges_of({kRowPtr, kCol});
  for (int64_t keep = 0; keep <= 7; ++keep) {
    const auto p = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), keep, 7, 1);
    ASSERT_EQ(p.row_ptr.size(), kRowPtr.size());
    EXPECT_EQ(static_cast<int64_t>(p.col.size()), std::min<int64_t>(keep, 6));
    for (const auto& e : edges_of(p)) EXPECT_TRUE(all.count(e));
    for (size_t u = 0; u + 1 < p.row_ptr.size(); ++u)
      for (int64_t k = p.row_ptr[u] + 1; k < p.row_ptr[u + 1]; ++k) EXPECT_LT(p.col[k - 1], p.col[k]);
  }
}

TEST(EdgePrune, PureFunctionOfSeedAndEpoch) {
  const auto a = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, 5);
  const auto b = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, 5);
  EXPECT_EQ(a.col, b.col);
  EXPECT_EQ(a.row_ptr, b.row_ptr);
  int differ = 0;
  for (uint64_t epoch = 0; epoch < 20; ++epoch) {
    const auto c = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 3, 11, epoch);
    differ += edges_of(c) != edges_of(a);
  }
  EXPECT_GT(differ, 5);  // other epochs draw other samples
}

TEST(EdgePrune, SingleDrawFollowsInverseSqrtDegreeWeights) {
  // With n_keep = 1 the kept edge is e with probability w_e / sum w, w = 1/sqrt(d_u d_i).
  // Degrees: user (3, 1, 2), item (3, 1, 1, 1).
  const double w[6] = {1 / std::sqrt(9.0), 1 / std::sqrt(3.0), 1 / std::sqrt(3.0),
                       1 / std::sqrt(3.0), 1 / std::sqrt(6.0), 1 / std::sqrt(2.0)};
  double total = 0;
  for (double x : w) total += x;
  const int trials = 10000;
  std::vector<int> hits(6, 0);
  for (int t = 0; t < trials; ++t) {
    const auto p = kernels::degree_sensitive_prune_cpu(3, 4, kRowPtr.data(), kCol.data(), 1, 3, static_cast<uint64_t>(t));
    ASSERT_EQ(p.col.size(), 1u);
    int32_t user = 0;
    while (p.row_ptr[user + 1] == 0) ++user;
    for (int64_t k = kRowPtr[user]; k < kRowPtr[user + 1]; ++k)
      if (kCol[k] == p.col[0]) ++hits[k];
  }
  for (int e = 0; e < 6; ++e) {
    const double expected = trials * w[e] / total;
    // 5 standard deviations of a binomial count: fails by chance with p < 1e-5.
    EXPECT_NEAR(hits[e], expected, 5 * std::sqrt(expected)) << "edge " << e;
  }
}

}  // namespace
}  // namespace mmgraph
