// Row gather and scatter-add: exact copies, the r-ascending summation order on
// a hand-worked example where float order matters, and the adjoint identity
// <gather(x), y> = <x, scatter(y)> in float64.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/row_gather.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(RowGather, GatherCopiesRowsWithRepeats) {
  const int64_t rows = 9, d = 13;
  const auto src = testing::random_dense(rows * d, 3);
  const std::vector<int32_t> idx = {4, 0, 8, 4, 4, 1};
  const auto n = static_cast<int64_t>(idx.size());
  std::vector<float> dst(n * d, -7.0f);
  kernels::gather_rows_cpu(n, d, idx.data(), src.data(), dst.data());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j) ASSERT_EQ(dst[r * d + j], src[idx[r] * d + j]) << r << " " << j;
}

TEST(RowGather, ScatterAddsEachDestinationsRowsInAscendingOrder) {
  // Destination 1 receives 1e8, 1, -1e8 in this order: (1e8 + 1) rounds to 1e8 in
  // float, so r-ascending order gives exactly 0 (another order could give 1).
  const std::vector<int32_t> idx = {1, 1, 0, 1};
  const std::vector<float> src = {1e8f, 2.5f, 1.0f, 0.25f, 3.0f, 0.5f, -1e8f, 0.0f};  // d = 2
  std::vector<float> dst = {10.0f, 20.0f, 0.0f, 0.0f};
  kernels::scatter_add_rows_cpu(4, 2, idx.data(), src.data(), dst.data());
  EXPECT_EQ(dst[0], 13.0f);  // destination 0 += source row 2
  EXPECT_EQ(dst[1], 20.5f);
  EXPECT_EQ(dst[2], 0.0f);  // ((0 + 1e8) + 1) - 1e8
  EXPECT_EQ(dst[3], 2.75f);
}

TEST(RowGather, ScatterIsTheAdjointOfGather) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const int64_t d : {1, 13, 64}) {
    const int64_t rows = 17, n = 41;  // n > rows: destinations repeat
    std::vector<int32_t> idx(n);
    for (auto& i : idx) i = static_cast<int32_t>(rng() % rows);
    const auto x = testing::random_dense(rows * d, seed + 1), y = testing::random_dense(n * d, seed + 2);
    std::vector<float> gx(n * d), sy(rows * d, 0.0f);
    kernels::gather_rows_cpu(n, d, idx.data(), x.data(), gx.data());
    kernels::scatter_add_rows_cpu(n, d, idx.data(), y.data(), sy.data());
    double lhs = 0, rhs = 0;
    for (int64_t e = 0; e < n * d; ++e) lhs += static_cast<double>(gx[e]) * y[e];
    for (int64_t e = 0; e < rows * d; ++e) rhs += static_cast<double>(x[e]) * sy[e];
    // sy holds float sums of <= n terms of size <= 1: relative error ~ n * 6e-8.
    EXPECT_NEAR(lhs, rhs, 1e-5 * (1 + std::abs(lhs))) << "d " << d;
  }
}

TEST(RowGather, NegativeIndexNamesNoRow) {
  // A padded batch row (-1): the gather writes zeros there, the scatter skips it.
  const int64_t d = 3;
  const std::vector<float> src = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> idx = {1, -1, 0};
  std::vector<float> dst(3 * d, -7.0f);
  kernels::gather_rows_cpu(3, d, idx.data(), src.data(), dst.data());
  EXPECT_EQ(dst, (std::vector<float>{4, 5, 6, 0, 0, 0, 1, 2, 3}));
  std::vector<float> table(2 * d, 0.0f);
  const std::vector<float> batch = {1, 1, 1, 100, 100, 100, 2, 2, 2};
  kernels::scatter_add_rows_cpu(3, d, idx.data(), batch.data(), table.data());
  EXPECT_EQ(table, (std::vector<float>{2, 2, 2, 1, 1, 1}));
}

TEST(RowGather, EmptyBatchTouchesNothing) {
  std::vector<float> dst = {1.0f, 2.0f};
  kernels::gather_rows_cpu(0, 2, nullptr, nullptr, nullptr);
  kernels::scatter_add_rows_cpu(0, 2, nullptr, nullptr, dst.data());
  EXPECT_EQ(dst, (std::vector<float>{1.0f, 2.0f}));
}

}  // namespace
}  // namespace mmgraph
