// Adam against hand-computed steps; the lazy-rows variant against the dense one.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/adam.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(Adam, HandComputedSteps) {
  kernels::AdamParams p;  // lr 1e-3, betas 0.9/0.999, eps 1e-8
  float param = 1.0f, m = 0.0f, v = 0.0f;
  float grad = 0.5f;
  kernels::adam_dense_cpu(1, p, &param, &grad, &m, &v);
  // m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25 -> step = 1e-3 * 0.5 / (0.5 + 1e-8)
  EXPECT_FLOAT_EQ(m, 0.05f);
  EXPECT_NEAR(v, 0.00025, 5e-9);  // 1 - beta2 in float32 is 1e-3 (1 - 1.3e-5)
  EXPECT_NEAR(param, 0.999, 1e-7);
  // Step 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975,
  // m^ = -0.055 / 0.19, v^ = 0.00124975 / 0.001999 -> p = 0.999 + 1e-3 * 0.289474 / 0.790689
  p.step = 2;
  grad = -1.0f;
  kernels::adam_dense_cpu(1, p, &param, &grad, &m, &v);
  const double mhat = -0.055 / 0.19, vhat = 0.00124975 / (1 - 0.999 * 0.999);
  EXPECT_NEAR(param, 0.999 - 1e-3 * mhat / (std::sqrt(vhat) + 1e-8), 1e-7);
}

TEST(Adam, WeightDecayFoldsIntoGradient) {
  kernels::AdamParams p;
  p.weight_decay = 0.5f;
  float param = 2.0f, m = 0.0f, v = 0.0f, grad = 0.0f;
  kernels::adam_dense_cpu(1, p, &param, &grad, &m, &v);
  EXPECT_FLOAT_EQ(m, 0.1f);  // g' = 0 + 0.5 * 2 = 1
  EXPECT_NEAR(param, 2.0 - 1e-3, 1e-7);
}

TEST(Adam, RowsVariantMatchesDenseOnTouchedRowsOnly) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t rows = 10, d = 6;
  auto param = testing::random_dense(rows * d, seed);
  auto m = testing::random_dense(rows * d, seed + 1);
  auto v = testing::random_dense(rows * d, seed + 2);
  for (auto& x : v) x = std::fabs(x);
  const auto grad = testing::random_dense(rows * d, seed + 3);
  auto dp = param, dm = m, dv = v;
  kernels::AdamParams p;
  p.step = 7;
  kernels::adam_dense_cpu(rows * d, p, dp.data(), grad.data(), dm.data(), dv.data());
  const std::vector<int32_t> touched = {1, 4, 9};
  kernels::adam_rows_cpu(3, touched.data(), d, p, param.data(), grad.data(), m.data(), v.data());
  const auto untouched = testing::random_dense(rows * d, seed);
  for (int64_t r = 0; r < rows; ++r) {
    const bool hit = r == 1 || r == 4 || r == 9;
    for (int64_t j = 0; j < d; ++j) {
      const size_t e = static_cast<size_t>(r * d + j);
      EXPECT_EQ(param[e], hit ? dp[e] : untouched[e]) << r << "," << j;
    }
  }
}

}  // namespace
}  // namespace mmgraph
