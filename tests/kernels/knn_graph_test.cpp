// kNN cosine top-k on the CPU: random sizes against a float64 brute force (sizes that span several
// row and column tiles, k = 1 and k = n, dim 1, duplicated and zero rows, power-law norms), inputs
// whose cosines are exact in float (so ids must match the float64 order bit for bit, ties included),
// independence from the OpenMP and OpenBLAS thread counts, and argument checks.
#include <gtest/gtest.h>

#include <random>

#include "kernels/knn_graph.h"
#include "mmgraph/errors.h"
#include "support/knn_check.h"
#include "support/knn_thread_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

struct KnnCase {
  int64_t n, dim;
  int k;
};

std::ostream& operator<<(std::ostream& os, const KnnCase& c) {
  return os << "n " << c.n << " dim " << c.dim << " k " << c.k;
}

class KnnCpu : public ::testing::TestWithParam<KnnCase> {};

TEST_P(KnnCpu, MatchesFloat64BruteForce) {
  const KnnCase c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto f = testing::knn_features(c.n, c.dim, seed, c.n / 3);
  std::vector<int32_t> idx(c.n * c.k, -7);
  std::vector<float> sim(c.n * c.k, -7.0f);
  kernels::knn_cosine_topk_cpu(c.n, c.dim, f.data(), c.k, idx.data(), sim.data());
  const auto ref = testing::knn_reference64(c.n, c.dim, f, static_cast<int>(std::min<int64_t>(c.n, c.k + 1)));
  EXPECT_TRUE(testing::knn_matches(c.n, c.dim, f, c.k, idx, sim, ref, testing::knn_fp32_tolerance(c.dim)));
}

// The CPU tiles are 1024 x 1024: n = 1100, 2500 and 3000 span two or three of them (pairs in
// diagonal and off-diagonal tiles), the last ones ragged.
INSTANTIATE_TEST_SUITE_P(Sizes, KnnCpu,
                         ::testing::Values(KnnCase{1, 1, 1}, KnnCase{2, 3, 2}, KnnCase{37, 100, 37},
                                           KnnCase{129, 1, 128}, KnnCase{200, 64, 1}, KnnCase{1100, 100, 128},
                                           KnnCase{2500, 1, 10}, KnnCase{3000, 13, 10}, KnnCase{1500, 384, 10}),
                         [](const auto& tp) {
                           return "n" + std::to_string(tp.param.n) + "_d" + std::to_string(tp.param.dim) +
                                  "_k" + std::to_string(tp.param.k);
                         });

// Inputs whose cosines are exact in float: the output must equal the float64 lists exactly.
void expect_exact(int64_t n, int64_t dim, const std::vector<float>& f, int k) {
  std::vector<int32_t> idx(n * k);
  std::vector<float> sim(n * k);
  kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, idx.data(), sim.data());
  const auto ref = testing::knn_reference64(n, dim, f, k);
  EXPECT_EQ(idx, ref.idx);
  EXPECT_EQ(std::vector<double>(sim.begin(), sim.end()), ref.sim);
}

TEST(KnnCpuExact, TiesBreakByLowerIdAcrossTiles) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto f = testing::knn_exact_features(2500, seed);
  expect_exact(2500, 16, f, 10);
  expect_exact(300, 16, f, 128);  // the first 300 rows
}

TEST(KnnCpuExact, DimOneCosinesArePlusMinusOneOrZero) {
  // In one dimension x / |x| is exactly +-1: every cosine is +-1 (or 0 with a zero row), and the
  // neighbours are the rows of the same sign in id order.
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto f = testing::random_dense(301, seed);
  f[5] = f[200] = 0.0f;
  expect_exact(301, 1, f, 128);
  expect_exact(301, 1, f, 1);
}

TEST(KnnCpuExact, HandWorkedExample) {
  // Rows: a = (1, 0), b = (0, 2), c = (3, 3), zero, a again.
  // cos(a, c) = cos(b, c) = 1/sqrt(2); cos(a, b) = 0; the zero row has cosine 0 with everything.
  const std::vector<float> f = {1, 0, 0, 2, 3, 3, 0, 0, 1, 0};
  std::vector<int32_t> idx(5 * 3);
  std::vector<float> sim(5 * 3);
  kernels::knn_cosine_topk_cpu(5, 2, f.data(), 3, idx.data(), sim.data());
  const float h = static_cast<float>(1 / std::sqrt(2.0));
  EXPECT_EQ(idx, (std::vector<int32_t>{0, 4, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2, 0, 4, 2}));
  const std::vector<float> expected = {1, 1, h, 1, h, 0, 1, h, h, 0, 0, 0, 1, 1, h};
  for (size_t e = 0; e < sim.size(); ++e) EXPECT_NEAR(sim[e], expected[e], 1e-6) << e;
}

TEST(KnnCpu, SameOutputForAnyThreadCount) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 2500, dim = 37;
  const int k = 16;
  const auto f = testing::knn_features(n, dim, seed, 7);
  testing::expect_same_knn_for_any_thread_count(
      n, k, [&](int32_t* idx, float* sim) { kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, idx, sim); });
}

TEST(KnnCpu, RejectsBadK) {
  const std::vector<float> f(4 * 3, 1.0f);
  std::vector<int32_t> idx(4 * 200);
  std::vector<float> sim(4 * 200);
  EXPECT_THROW(kernels::knn_cosine_topk_cpu(4, 3, f.data(), 0, idx.data(), sim.data()), Error);
  EXPECT_THROW(kernels::knn_cosine_topk_cpu(4, 3, f.data(), 5, idx.data(), sim.data()), Error);
  EXPECT_NO_THROW(kernels::knn_cosine_topk_cpu(0, 3, f.data(), 1, idx.data(), sim.data()));
  const std::vector<float> big(200 * 3, 1.0f);
  EXPECT_THROW(kernels::knn_cosine_topk_cpu(200, 3, big.data(), kernels::kMaxKnnK + 1, idx.data(), sim.data()), Error);
}

}  // namespace
}  // namespace mmgraph
