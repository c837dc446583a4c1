// The divergence guard's non-finite count: CUDA twin against the CPU reference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "gpu_test_util.h"
#include "kernels/nonfinite.h"

namespace mmgraph {
namespace {

TEST(NonfiniteGpu, CountsNanAndInfLikeTheCpuAtAnySize) {
  MMGRAPH_REQUIRE_GPU();
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  for (int64_t n : {0, 1, 31, 33, 1000, 262145, 5000003}) {
    std::vector<float> x(static_cast<size_t>(n));
    std::normal_distribution<float> normal(0.f, 1e30f);
    for (auto& v : x) v = normal(rng);
    // Bad values at the ends and at random places, some runs adjacent (the same warp).
    const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity()};
    for (int64_t j = 0; j < std::min<int64_t>(n, 50); ++j) x[static_cast<size_t>(rng() % n)] = bad[j % 3];
    if (n > 0) x.back() = bad[0];
    const int64_t want = kernels::count_nonfinite_cpu(x.data(), n);
    testing::DeviceArray<float> dx(x);
    testing::DeviceArray<int64_t> count(std::vector<int64_t>{7});  // adds to what is there
    kernels::count_nonfinite_cuda(dx.get(), n, count.get(), nullptr);
    EXPECT_EQ(count.host()[0], want + 7) << "n = " << n;
  }
}

TEST(NonfiniteGpu, CountsBf16NanAndInfLikeTheCpu) {
  MMGRAPH_REQUIRE_GPU();
  std::mt19937 rng(3);
  for (int64_t n : {0, 1, 33, 262145}) {
    std::vector<uint16_t> x(static_cast<size_t>(n));
    for (auto& b : x) b = static_cast<uint16_t>(rng());  // every pattern: about 1 in 256 is not finite
    const int64_t want = kernels::count_nonfinite_bf16_cpu(x.data(), n);
    if (n > 1000) {
      EXPECT_GT(want, 0);
    }
    testing::DeviceArray<uint16_t> dx(x);
    testing::DeviceArray<int64_t> count(std::vector<int64_t>{7});
    kernels::count_nonfinite_bf16_cuda(dx.get(), n, count.get(), nullptr);
    EXPECT_EQ(count.host()[0], want + 7) << "n = " << n;
  }
}

}  // namespace
}  // namespace mmgraph
