// Adam against hand-computed steps.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/adam.h"

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

}  // namespace
}  // namespace mmgraph
