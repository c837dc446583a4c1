// SpMM and CSR transpose against dense float64 math.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/spmm.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::random_csr;
using testing::random_dense;

// Dense float64 reference of Y = A X; also returns sum |a_rk x_kj| per element,
// the scale of the float32 rounding error.
void spmm_reference(const kernels::CsrHost& a, int64_t d, const std::vector<float>& x, std::vector<double>& y,
                    std::vector<double>& scale) {
  y.assign(static_cast<size_t>(a.n_rows * d), 0.0);
  scale.assign(y.size(), 0.0);
  for (int64_t r = 0; r < a.n_rows; ++r)
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
      for (int64_t j = 0; j < d; ++j) {
        const double t = static_cast<double>(a.val[k]) * x[a.col[k] * d + j];
        y[r * d + j] += t;
        scale[r * d + j] += std::fabs(t);
      }
}

struct SpmmCase {
  int64_t rows, cols, d;
  double mean_degree;
  int64_t hub_len;
};

class SpmmTest : public ::testing::TestWithParam<SpmmCase> {};

TEST_P(SpmmTest, MatchesDenseFloat64) {
  const SpmmCase c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_csr(c.rows, c.cols, c.mean_degree, seed, c.rows > 0 ? 0 : -1, c.hub_len);
  const auto x = random_dense(c.cols * c.d, seed + 1);
  std::vector<float> y(static_cast<size_t>(c.rows * c.d), std::nanf(""));
  kernels::spmm_csr_cpu(a.view(), c.d, x.data(), y.data());
  std::vector<double> ref, scale;
  spmm_reference(a, c.d, x, ref, scale);
  // float32 summation of n terms: |error| <= n * 2^-24 * sum|terms|; n <= row length.
  for (int64_t r = 0; r < c.rows; ++r) {
    const double n = static_cast<double>(a.row_ptr[r + 1] - a.row_ptr[r]);
    for (int64_t j = 0; j < c.d; ++j) {
      const size_t e = static_cast<size_t>(r * c.d + j);
      ASSERT_TRUE(std::isfinite(y[e])) << "row " << r << " col " << j;
      ASSERT_NEAR(y[e], ref[e], (n + 1) * 6e-8 * scale[e] + 1e-30) << "row " << r << " col " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, SpmmTest,
                         ::testing::Values(SpmmCase{0, 5, 8, 2, 0}, SpmmCase{1, 1, 1, 1, 1},
                                           SpmmCase{31, 33, 64, 4, 20}, SpmmCase{33, 31, 36, 3, 31},
                                           SpmmCase{1007, 517, 100, 8, 517}, SpmmCase{45, 70, 16, 6, 70},
                                           SpmmCase{70, 45, 48, 6, 0},
                                           SpmmCase{300, 100000, 32, 5, 100000}));

TEST(CsrTranspose, TransposeTwiceIsIdentityAndMatchesDense) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_csr(57, 91, 6, seed);
  const auto t = kernels::csr_transpose_cpu(a.view());
  ASSERT_EQ(t.n_rows, 91);
  ASSERT_EQ(t.n_cols, 57);
  for (int64_t r = 0; r < t.n_rows; ++r)
    for (int64_t k = t.row_ptr[r] + 1; k < t.row_ptr[r + 1]; ++k) ASSERT_LT(t.col[k - 1], t.col[k]);
  const auto tt = kernels::csr_transpose_cpu(t.view());
  EXPECT_EQ(tt.row_ptr, a.row_ptr);
  EXPECT_EQ(tt.col, a.col);
  EXPECT_EQ(tt.val, a.val);
  // A^T x through the transpose equals the dense float64 A^T x.
  const int64_t d = 5;
  const auto x = random_dense(57 * d, seed + 7);
  std::vector<float> y(91 * d);
  kernels::spmm_csr_cpu(t.view(), d, x.data(), y.data());
  std::vector<double> ref(91 * d, 0.0);
  for (int64_t r = 0; r < 57; ++r)
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
      for (int64_t j = 0; j < d; ++j) ref[a.col[k] * d + j] += static_cast<double>(a.val[k]) * x[r * d + j];
  for (size_t e = 0; e < ref.size(); ++e) ASSERT_NEAR(y[e], ref[e], 1e-5) << e;
}

}  // namespace
}  // namespace mmgraph
