// The divergence guard's count of NaN / Inf values, and the optimizer's count of non-zero values.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/nonfinite.h"

namespace mmgraph {
namespace {

TEST(Nonfinite, CountsNanAndBothInfinitiesButNotLargeOrSubnormalValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x(1001, 1.0f);
  x[0] = nan;
  x[500] = inf;
  x[1000] = -inf;
  x[3] = std::numeric_limits<float>::max();
  x[4] = std::numeric_limits<float>::denorm_min();
  x[5] = -0.0f;
  EXPECT_EQ(kernels::count_nonfinite_cpu(x.data(), 1001), 3);
  EXPECT_EQ(kernels::count_nonfinite_cpu(x.data() + 1, 499), 0);
  EXPECT_EQ(kernels::count_nonfinite_cpu(x.data(), 0), 0);
}

TEST(Nonfinite, CountsBf16NanAndInfinitiesButNotTheLargestFiniteValue) {
  std::vector<uint16_t> x(1001, 0x3f80);  // 1.0
  x[0] = 0x7fc0;     // NaN
  x[1] = 0xff81;     // a negative NaN with a payload
  x[500] = 0x7f80;   // +Inf
  x[1000] = 0xff80;  // -Inf
  x[3] = 0x7f7f;     // the largest finite bf16
  x[4] = 0x0001;     // the smallest subnormal
  EXPECT_EQ(kernels::count_nonfinite_bf16_cpu(x.data(), 1001), 4);
  EXPECT_EQ(kernels::count_nonfinite_bf16_cpu(x.data() + 2, 498), 0);
  EXPECT_EQ(kernels::count_nonfinite_bf16_cpu(x.data(), 0), 0);
}

TEST(Nonzero, CountsEverythingButBothZeros) {
  std::vector<float> x(1001, 0.0f);
  x[7] = std::numeric_limits<float>::denorm_min();
  x[8] = -0.0f;
  x[500] = std::numeric_limits<float>::quiet_NaN();
  x[1000] = -1.0f;
  EXPECT_EQ(kernels::count_nonzero_cpu(x.data(), 1001), 3);
  EXPECT_EQ(kernels::count_nonzero_cpu(x.data() + 8, 492), 0);
  EXPECT_EQ(kernels::count_nonzero_cpu(x.data(), 0), 0);
}

}  // namespace
}  // namespace mmgraph
