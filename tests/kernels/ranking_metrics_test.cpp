// Ranking metrics against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/ranking_metrics.h"

namespace mmgraph {
namespace {

double disc(int rank) { return 1.0 / std::log2(rank + 2.0); }  // rank 0-based

TEST(RankingMetrics, HandComputedCases) {
  // 3 users, top-4 lists. User 0: truth {7, 9, 11} hits at ranks 0 and 2.
  // User 1: truth {} (not counted). User 2: truth {5} (fewer than K), hit at rank 3,
  // list ends with -1 (fewer candidates than K).
  const std::vector<int32_t> top = {7, 1, 9, 3, /**/ 0, 1, 2, 3, /**/ 8, 6, 4, 5};
  const std::vector<int64_t> ptr = {0, 3, 3, 4};
  const std::vector<int32_t> col = {7, 9, 11, 5};
  const kernels::CsrView truth{3, 20, 4, ptr.data(), col.data(), nullptr};
  const int cutoffs[] = {2, 4};
  std::vector<kernels::MetricSum> exact(10, 0);
  int64_t counted = 0;
  kernels::ranking_metrics_cpu(3, 4, top.data(), 0, truth, cutoffs, 2, exact.data(), &counted);
  ASSERT_EQ(counted, 2);
  std::vector<double> sums;
  for (const kernels::MetricSum e : exact) sums.push_back(kernels::metric_sum_value(e));
  // Recall@2: u0 1/3, u2 0.  Recall@4: u0 2/3, u2 1.
  EXPECT_NEAR(sums[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(sums[1], 2.0 / 3 + 1.0, 1e-12);
  // NDCG@2: u0 disc(0) / (disc(0) + disc(1)); u2 0.
  EXPECT_NEAR(sums[2], disc(0) / (disc(0) + disc(1)), 1e-12);
  // NDCG@4: u0 (disc0 + disc2) / (disc0 + disc1 + disc2); u2 disc(3) / disc(0).
  EXPECT_NEAR(sums[3], (disc(0) + disc(2)) / (disc(0) + disc(1) + disc(2)) + disc(3) / disc(0), 1e-12);
  // Precision@2: u0 1/2.  Precision@4: u0 2/4 + u2 1/4.
  EXPECT_NEAR(sums[4], 0.5, 1e-12);
  EXPECT_NEAR(sums[5], 0.75, 1e-12);
  // Hit@2: u0 1.  Hit@4: 2.
  EXPECT_NEAR(sums[6], 1.0, 1e-12);
  EXPECT_NEAR(sums[7], 2.0, 1e-12);
  // MAP@2: u0 (1/1) / min(3, 2) = 0.5. MAP@4: u0 (1 + 2/3) / 3; u2 (1/4) / 1.
  EXPECT_NEAR(sums[8], 0.5, 1e-12);
  EXPECT_NEAR(sums[9], (1.0 + 2.0 / 3) / 3 + 0.25, 1e-12);
}

TEST(RankingMetrics, MinusOneSlotsNeverHit) {
  const std::vector<int32_t> top = {-1, -1};
  const std::vector<int64_t> ptr = {0, 1};
  const std::vector<int32_t> col = {0};
  const kernels::CsrView truth{1, 3, 1, ptr.data(), col.data(), nullptr};
  const int cutoffs[] = {2};
  std::vector<kernels::MetricSum> sums(5, 0);
  int64_t counted = 0;
  kernels::ranking_metrics_cpu(1, 2, top.data(), 0, truth, cutoffs, 1, sums.data(), &counted);
  EXPECT_EQ(counted, 1);
  for (const kernels::MetricSum s : sums) EXPECT_TRUE(s == 0);
}

// Exact sums: the rows summed in one call, or in blocks in any order (blocks of users, the
// processes of a run), give the same bits.
TEST(RankingMetrics, SumsHaveTheSameBitsInAnyGrouping) {
  const int64_t n = 37;
  const int k = 5;
  std::vector<int32_t> top(static_cast<size_t>(n * k));
  std::vector<int64_t> ptr{0};
  std::vector<int32_t> col;
  for (int64_t u = 0; u < n; ++u) {
    for (int s = 0; s < k; ++s) top[static_cast<size_t>(u * k + s)] = static_cast<int32_t>((u * 7 + s * 3) % 23);
    for (int32_t i = static_cast<int32_t>(u % 4); i < 23; i += 3 + static_cast<int32_t>(u % 5)) col.push_back(i);
    ptr.push_back(static_cast<int64_t>(col.size()));
  }
  const kernels::CsrView truth{n, 23, static_cast<int64_t>(col.size()), ptr.data(), col.data(), nullptr};
  const int cutoffs[] = {2, 5};
  std::vector<kernels::MetricSum> whole(10, 0), blocks(10, 0);
  int64_t counted_whole = 0, counted_blocks = 0;
  kernels::ranking_metrics_cpu(n, k, top.data(), 0, truth, cutoffs, 2, whole.data(), &counted_whole);
  for (const auto& [first, count] : {std::pair<int64_t, int64_t>{20, 17}, {0, 3}, {3, 17}})
    kernels::ranking_metrics_cpu(count, k, top.data() + first * k, first, truth, cutoffs, 2, blocks.data(),
                                 &counted_blocks);
  EXPECT_EQ(counted_blocks, counted_whole);
  for (size_t m = 0; m < whole.size(); ++m) EXPECT_TRUE(blocks[m] == whole[m]) << m;
}

}  // namespace
}  // namespace mmgraph
