// The normalised bipartite adjacency on a hand-worked example.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/graph_build.h"

namespace mmgraph {
namespace {

TEST(GraphBuild, HandWorkedExample) {
  // Users 0: {0, 1}, 1: {1}, 2: {} ; items 0..2 (item 2 never seen).
  const std::vector<int64_t> row_ptr = {0, 2, 3, 3};
  const std::vector<int32_t> col = {0, 1, 1};
  const auto a = kernels::normalized_bipartite_adjacency_cpu(3, 3, row_ptr.data(), col.data());
  ASSERT_EQ(a.n_rows, 6);
  // Degrees: u0 2, u1 1, u2 0, i0 1, i1 2, i2 0.
  EXPECT_EQ(a.row_ptr, (std::vector<int64_t>{0, 2, 3, 3, 4, 6, 6}));
  EXPECT_EQ(a.col, (std::vector<int32_t>{3, 4, 4, 0, 0, 1}));
  const float s2 = static_cast<float>(1.0 / std::sqrt(2.0));
  const std::vector<float> expect = {s2, 0.5f, s2, s2, 0.5f, s2};
  ASSERT_EQ(a.val.size(), expect.size());
  for (size_t k = 0; k < expect.size(); ++k) EXPECT_FLOAT_EQ(a.val[k], expect[k]) << k;
}

TEST(GraphBuild, SymmetricRowsSorted) {
  const std::vector<int64_t> row_ptr = {0, 3, 5, 6};
  const std::vector<int32_t> col = {0, 2, 4, 1, 2, 4};
  const auto a = kernels::normalized_bipartite_adjacency_cpu(3, 5, row_ptr.data(), col.data());
  auto value = [&](int64_t r, int64_t c) {
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
      if (a.col[k] == c) return a.val[k];
    return 0.0f;
  };
  for (int64_t r = 0; r < a.n_rows; ++r) {
    for (int64_t k = a.row_ptr[r] + 1; k < a.row_ptr[r + 1]; ++k) EXPECT_LT(a.col[k - 1], a.col[k]);
    for (int64_t c = 0; c < a.n_cols; ++c) EXPECT_EQ(value(r, c), value(c, r)) << r << "," << c;
  }
}

}  // namespace
}  // namespace mmgraph
