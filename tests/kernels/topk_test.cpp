// Masked top-K: hand cases (ties, masks, short rows) and random rows against a full sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include "kernels/topk.h"

namespace mmgraph {
namespace {

TEST(TopK, TiesBreakByLowerIdAndMasksApply) {
  // One user, 6 items; item 1 and 3 masked (train), item 4 masked (valid).
  const std::vector<float> scores = {0.5f, 9.0f, 0.7f, 0.7f, 8.0f, 0.7f};
  const std::vector<int64_t> m1_ptr = {0, 2}, m2_ptr = {0, 1};
  const std::vector<int32_t> m1 = {1, 3}, m2 = {4};
  kernels::RowMasks masks;
  masks.mask[0] = {1, 6, 2, m1_ptr.data(), m1.data(), nullptr};
  masks.mask[1] = {1, 6, 1, m2_ptr.data(), m2.data(), nullptr};
  masks.count = 2;
  std::vector<int32_t> idx(3);
  std::vector<float> val(3);
  kernels::topk_masked_rows_cpu(1, 6, scores.data(), 6, 0, masks, 3, idx.data(), val.data());
  EXPECT_EQ(idx, (std::vector<int32_t>{2, 5, 0}));
  EXPECT_EQ(val, (std::vector<float>{0.7f, 0.7f, 0.5f}));
}

TEST(TopK, FewerUnmaskedItemsThanKFillsMinusOne) {
  const std::vector<float> scores = {1.0f, 2.0f, 3.0f};
  const std::vector<int64_t> ptr = {0, 2};
  const std::vector<int32_t> col = {0, 2};
  kernels::RowMasks masks;
  masks.mask[0] = {1, 3, 2, ptr.data(), col.data(), nullptr};
  masks.count = 1;
  std::vector<int32_t> idx(4);
  kernels::topk_masked_rows_cpu(1, 3, scores.data(), 3, 0, masks, 4, idx.data(), nullptr);
  EXPECT_EQ(idx, (std::vector<int32_t>{1, -1, -1, -1}));
}

TEST(TopK, NonFiniteScoresRankByTheTotalOrder) {
  // +NaN above +inf, -inf below every finite score, a NaN with the sign bit below -inf;
  // item 6 masked. Every slot names a distinct real item (k = all 8 items).
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> scores = {1.0f, -inf, nan, inf, -nan, 0.0f, 5.0f, -0.0f};
  const std::vector<int64_t> ptr = {0, 1};
  const std::vector<int32_t> col = {6};
  kernels::RowMasks masks;
  masks.mask[0] = {1, 8, 1, ptr.data(), col.data(), nullptr};
  masks.count = 1;
  std::vector<int32_t> idx(8);
  kernels::topk_masked_rows_cpu(1, 8, scores.data(), 8, 0, masks, 8, idx.data(), nullptr);
  EXPECT_EQ(idx, (std::vector<int32_t>{2, 3, 0, 5, 7, 1, 4, -1}));
  EXPECT_GT(kernels::topk_order_key(nan), kernels::topk_order_key(inf));
  EXPECT_EQ(kernels::topk_order_key(0.0f), kernels::topk_order_key(-0.0f));
  EXPECT_LT(kernels::topk_order_key(-nan), kernels::topk_order_key(-inf));
  EXPECT_LT(kernels::topk_order_key(-1.0f), kernels::topk_order_key(-0.5f));
}

TEST(TopK, RandomRowsMatchFullSortWithLeadingDimensionAndUserOffset) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t rows = 37, cols = 1001, ld = 1003, first_user = 5, k = 50;
  std::vector<float> scores(rows * ld);
  std::uniform_int_distribution<int> coarse(0, 200);  // many ties
  for (auto& s : scores) s = static_cast<float>(coarse(rng)) / 8.0f;
  // Masks over users 0..first_user+rows: every 3rd item of user u masked when (u + i) % 3 == 0.
  std::vector<int64_t> ptr = {0};
  std::vector<int32_t> col;
  for (int64_t u = 0; u < first_user + rows; ++u) {
    for (int32_t i = 0; i < cols; ++i)
      if ((u + i) % 3 == 0) col.push_back(i);
    ptr.push_back(static_cast<int64_t>(col.size()));
  }
  kernels::RowMasks masks;
  masks.mask[0] = {first_user + rows, cols, static_cast<int64_t>(col.size()), ptr.data(), col.data(), nullptr};
  masks.count = 1;
  std::vector<int32_t> idx(rows * k);
  std::vector<float> val(rows * k);
  kernels::topk_masked_rows_cpu(rows, cols, scores.data(), ld, first_user, masks, static_cast<int>(k), idx.data(),
                                val.data());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int32_t> order;
    for (int32_t i = 0; i < cols; ++i)
      if ((first_user + r + i) % 3 != 0) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return scores[r * ld + a] > scores[r * ld + b]; });
    for (int64_t s = 0; s < k; ++s) {
      ASSERT_EQ(idx[r * k + s], order[s]) << "row " << r << " slot " << s;
      ASSERT_EQ(val[r * k + s], scores[r * ld + order[s]]);
    }
  }
}

// Two masks (overlapping, one of them covering whole rows for some users, empty for others) and
// scores with ties, infinities, NaNs and signed zeros: the kept entries are a full sort's first k by
// (order key desc, item id asc) among the unmasked items, -1 past them.
TEST(TopK, TwoMasksAndSpecialScoresMatchFullSortByOrderKey) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const float special[] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(), 0.0f,
                           -0.0f};
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t rows = 1 + static_cast<int64_t>(rng() % 40), cols = 1 + static_cast<int64_t>(rng() % 700);
    const int k = 1 + static_cast<int>(rng() % std::min<uint64_t>(kernels::kMaxTopK, 60));
    std::vector<float> scores(rows * cols);
    for (auto& v : scores)
      v = rng() % 10 == 0 ? special[rng() % 6] : static_cast<float>(static_cast<int>(rng() % 50) - 25) / 4.0f;
    std::vector<int64_t> ptr[2] = {{0}, {0}};
    std::vector<int32_t> col[2];
    for (int64_t u = 0; u < rows; ++u)
      for (int m = 0; m < 2; ++m) {
        const int kind = static_cast<int>(rng() % 5);  // 0: empty, 1: every item, else a random subset
        for (int32_t i = 0; i < cols; ++i)
          if (kind == 1 || (kind > 1 && rng() % (2 + kind) == 0)) col[m].push_back(i);
        ptr[m].push_back(static_cast<int64_t>(col[m].size()));
      }
    kernels::RowMasks masks;
    for (int m = 0; m < 2; ++m)
      masks.mask[m] = {rows, cols, static_cast<int64_t>(col[m].size()), ptr[m].data(), col[m].data(), nullptr};
    masks.count = 2;
    std::vector<int32_t> idx(rows * k);
    std::vector<float> val(rows * k);
    kernels::topk_masked_rows_cpu(rows, cols, scores.data(), cols, 0, masks, k, idx.data(), val.data());
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int32_t> order;
      for (int32_t i = 0; i < cols; ++i) {
        bool masked = false;
        for (int m = 0; m < 2; ++m)
          masked |= std::binary_search(col[m].begin() + ptr[m][r], col[m].begin() + ptr[m][r + 1], i);
        if (!masked) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        return kernels::topk_order_key(scores[r * cols + a]) > kernels::topk_order_key(scores[r * cols + b]);
      });
      for (int s = 0; s < k; ++s) {
        const bool filled = s < static_cast<int>(order.size());
        ASSERT_EQ(idx[r * k + s], filled ? order[s] : -1) << "trial " << trial << " row " << r << " slot " << s;
        if (filled) {
          ASSERT_EQ(kernels::topk_order_key(val[r * k + s]), kernels::topk_order_key(scores[r * cols + order[s]]));
        }
      }
    }
  }
}

}  // namespace
}  // namespace mmgraph
