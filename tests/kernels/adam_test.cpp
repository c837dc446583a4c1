// Adam against hand-computed steps; Adam with bf16 storage against the float32 step it rounds.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/adam.h"
#include "kernels/adam_rule.h"
#include "kernels/bf16.h"

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

// bf16 bit patterns of n random values: params and moments of several magnitudes, v >= 0.
std::vector<uint16_t> random_bf16(int64_t n, uint64_t seed, float scale, bool non_negative) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<uint16_t> out(static_cast<size_t>(n));
  for (auto& b : out) {
    const float x = normal(rng);
    b = kernels::float_to_bf16(non_negative ? x * x : x);
  }
  return out;
}

// The bf16 value just below f's magnitude (truncation) and the next one away from zero.
std::pair<uint16_t, uint16_t> bf16_neighbours(float f) {
  const auto lo = static_cast<uint16_t>(kernels::float_bits(f) >> 16);
  return {lo, static_cast<uint16_t>(lo + ((kernels::float_bits(f) & 0xffffu) ? 1 : 0))};
}

// Each of param, m, v after a bf16 step is one of the two bf16 neighbours of the float32 step
// (adam_element) on the widened values; both neighbours occur.
TEST(AdamBf16, EachResultIsABf16NeighbourOfTheFloat32Step) {
  const int64_t n = 4099;
  auto param = random_bf16(n, 1, 1.0f, false), m = random_bf16(n, 2, 1e-2f, false),
       v = random_bf16(n, 3, 1e-2f, true);
  std::vector<float> grad(static_cast<size_t>(n));
  std::mt19937_64 rng(4);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  for (auto& g : grad) g = normal(rng);
  kernels::AdamParams p;
  p.step = 7;
  auto bp = param, bm = m, bv = v;
  kernels::adam_bf16_cpu(n, p, 99, 0, bp.data(), grad.data(), bm.data(), bv.data());
  const kernels::AdamScalars s = kernels::adam_scalars(p);
  int64_t rounded_up = 0, rounded_down = 0;
  for (int64_t e = 0; e < n; ++e) {
    float fp = kernels::bf16_to_float(param[e]), fm = kernels::bf16_to_float(m[e]), fv = kernels::bf16_to_float(v[e]);
    kernels::adam_element(s, fp, grad[e], fm, fv);
    for (const auto& [f, b] : {std::pair{fp, bp[e]}, {fm, bm[e]}, {fv, bv[e]}}) {
      const auto [lo, hi] = bf16_neighbours(f);
      ASSERT_TRUE(b == lo || b == hi) << "element " << e << ": " << f << " -> " << kernels::bf16_to_float(b);
      rounded_up += b != lo;
      rounded_down += b == lo && lo != hi;
    }
  }
  EXPECT_GT(rounded_up, n / 4);
  EXPECT_GT(rounded_down, n / 4);
}

// Updates of a quarter of a bf16 step, which rounding to nearest would lose every time, move the
// values by their float32 amount on average: 20,000 copies of one element (each its own rounding
// bits) through 300 steps track the float32 trajectory. Per copy and step the rounding error is at
// most one bf16 step (2^-8 near 1) with mean 0; the mean of 20,000 independent copies after 300 steps
// has a standard deviation below 2^-8 sqrt(300 / 20000) / 2 = 2.4e-4; tolerance 1.5e-3 (6 sigma),
// far below the distance travelled (0.29).
TEST(AdamBf16, StochasticRoundingTracksTheFloat32TrajectoryWhereNearestStalls) {
  const int64_t n = 20000;
  std::vector<uint16_t> param(n, kernels::float_to_bf16(1.0f)), m(n, 0), v(n, 0);
  std::vector<float> grad(n, 1.0f);
  float fp = 1.0f, fm = 0.0f, fv = 0.0f;
  for (int64_t step = 1; step <= 300; ++step) {
    kernels::AdamParams p;
    p.step = step;  // lr 1e-3: a step of ~1e-3, a quarter of bf16's 2^-8 below 1
    kernels::adam_bf16_cpu(n, p, 5, 0, param.data(), grad.data(), m.data(), v.data());
    kernels::adam_element(kernels::adam_scalars(p), fp, 1.0f, fm, fv);
  }
  double mean = 0;
  for (uint16_t b : param) mean += kernels::bf16_to_float(b);
  mean /= n;
  EXPECT_LT(fp, 0.72f);  // float32 travelled ~0.29
  EXPECT_NEAR(mean, fp, 1.5e-3);
}

// A table stepped in two parts, each with its first element's index as counter_first, is the
// table stepped whole, bit for bit; another seed rounds otherwise; the step is deterministic.
TEST(AdamBf16, SplitTablesWithTheirOffsetsRoundAsTheWholeTable) {
  const int64_t n = 1001, cut = 389;
  const auto param = random_bf16(n, 1, 1.0f, false), m = random_bf16(n, 2, 1e-2f, false),
             v = random_bf16(n, 3, 1e-2f, true);
  const auto grad = std::vector<float>(n, 0.03f);
  kernels::AdamParams p;
  p.step = 3;
  auto run = [&](uint64_t seed, int64_t split) {
    auto bp = param, bm = m, bv = v;
    kernels::adam_bf16_cpu(split, p, seed, 0, bp.data(), grad.data(), bm.data(), bv.data());
    kernels::adam_bf16_cpu(n - split, p, seed, static_cast<uint64_t>(split), bp.data() + split, grad.data() + split,
                           bm.data() + split, bv.data() + split);
    std::vector<uint16_t> all(bp);
    all.insert(all.end(), bm.begin(), bm.end());
    all.insert(all.end(), bv.begin(), bv.end());
    return all;
  };
  const auto whole = run(11, n);
  EXPECT_EQ(run(11, cut), whole);
  EXPECT_EQ(run(11, n), whole);
  EXPECT_NE(run(12, n), whole);
}

}  // namespace
}  // namespace mmgraph
