// The bf16 kNN op on the CPU, a bf16 GEMM of the normalised rows rounded to bf16: against float64
// dot products of those rounded rows (sizes not multiples of 32 that span several tiles, k = 1 and
// k = n, dim 1, duplicated rows, zero rows, power-law norms) and against float64 cosines of the
// features themselves within the bf16 rounding; inputs whose cosines are exact in bf16 (ids must
// match the float64 order exactly, ties included); independence from the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/knn_graph.h"
#include "support/knn_check.h"
#include "support/knn_thread_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

struct Bf16Case {
  int64_t n, dim;
  int k;
};

std::vector<uint16_t> to_bf16(const std::vector<float>& f) {
  std::vector<uint16_t> bits(f.size());
  for (size_t e = 0; e < f.size(); ++e) bits[e] = kernels::float_to_bf16(f[e]);
  return bits;
}

std::vector<float> widened(const std::vector<uint16_t>& bits) {
  std::vector<float> f(bits.size());
  for (size_t e = 0; e < bits.size(); ++e) f[e] = kernels::bf16_to_float(bits[e]);
  return f;
}

class KnnBf16Cpu : public ::testing::TestWithParam<Bf16Case> {};

TEST_P(KnnBf16Cpu, IsTheBf16GemmOfTheRoundedNormalisedRows) {
  const Bf16Case c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  // knn_features' copies (and copies times 4) stay exact copies (times 4) in bf16: exact ties.
  const auto bits = to_bf16(testing::knn_features(c.n, c.dim, seed, c.n / 3));
  std::vector<int32_t> idx(c.n * c.k, -7);
  std::vector<float> sim(c.n * c.k, -7.0f);
  kernels::knn_cosine_topk_bf16_cpu(c.n, c.dim, bits.data(), c.k, idx.data(), sim.data());
  const int keep = static_cast<int>(std::min<int64_t>(c.n, c.k + 1));
  const auto g = testing::knn_bf16_normalized_rows(c.n, c.dim, bits);
  const auto dots = testing::knn_reference64(c.n, c.dim, g, keep, testing::KnnSimilarity::kDot);
  EXPECT_TRUE(testing::knn_matches(c.n, c.dim, g, c.k, idx, sim, dots, testing::knn_bf16_gemm_tolerance(c.dim),
                                   testing::KnnSimilarity::kDot));
  const auto f = widened(bits);
  const auto cosines = testing::knn_reference64(c.n, c.dim, f, keep);
  EXPECT_TRUE(testing::knn_matches(c.n, c.dim, f, c.k, idx, sim, cosines, testing::knn_bf16_tolerance(c.dim)));
}

// The CPU tiles are 1024 x 1024: n = 1100, 2100 and 2501 span two or three of them, the last ragged.
INSTANTIATE_TEST_SUITE_P(Sizes, KnnBf16Cpu,
                         ::testing::Values(Bf16Case{1, 1, 1}, Bf16Case{2, 3, 2}, Bf16Case{37, 100, 37},
                                           Bf16Case{129, 1, 128}, Bf16Case{201, 65, 1}, Bf16Case{1100, 99, 128},
                                           Bf16Case{2100, 13, 10}, Bf16Case{2501, 7, 17}, Bf16Case{1201, 385, 10}),
                         [](const auto& tp) {
                           std::string name = "n";
                           name += std::to_string(tp.param.n) + "_d" + std::to_string(tp.param.dim);
                           return name + "_k" + std::to_string(tp.param.k);
                         });

TEST(KnnBf16CpuExact, TiesBreakByLowerIdAcrossTiles) {
  // Rows of +-1 (exact in bf16) normalise to +-1/4 (exact too): every product and sum is exact, so
  // the output must equal the float64 lists exactly, tied rows by lower id.
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto f = testing::knn_exact_features(2500, seed);
  const auto bits = to_bf16(f);
  for (const auto& [n, k] : {std::pair<int64_t, int>{2500, 10}, {300, 128}}) {
    std::vector<int32_t> idx(n * k);
    std::vector<float> sim(n * k);
    kernels::knn_cosine_topk_bf16_cpu(n, 16, bits.data(), k, idx.data(), sim.data());
    const auto ref = testing::knn_reference64(n, 16, std::vector<float>(f.begin(), f.begin() + n * 16), k);
    EXPECT_EQ(idx, ref.idx) << "n " << n;
    EXPECT_EQ(std::vector<double>(sim.begin(), sim.end()), ref.sim) << "n " << n;
  }
}

TEST(KnnBf16Cpu, SameOutputForAnyThreadCount) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 2500, dim = 37;
  const int k = 16;
  const auto bits = to_bf16(testing::knn_features(n, dim, seed, 7));
  testing::expect_same_knn_for_any_thread_count(
      n, k, [&](int32_t* idx, float* sim) { kernels::knn_cosine_topk_bf16_cpu(n, dim, bits.data(), k, idx, sim); });
}

}  // namespace
}  // namespace mmgraph
