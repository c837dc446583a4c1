// bf16 storage of fixed inputs: the float32 <-> bf16 conversion (every bf16 value, ties to even,
// NaN/Inf, subnormals, against a float64 nearest-value reference), the dense layer with bf16 x
// against float64 math on the rounded inputs and its backward (dw, db) against finite differences
// (the bf16 kNN op: knn_graph_bf16_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/linear.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using kernels::bf16_to_float;
using kernels::float_bits;
using kernels::float_from_bits;
using kernels::float_to_bf16;

// The bf16 value nearest to x by float64 distance, ties to the even pattern; the overflow
// threshold is the midpoint between the largest finite bf16 and 2^128, as IEEE rounding has it.
uint16_t nearest_bf16(float x) {
  const uint32_t u = float_bits(x);
  const auto lo = static_cast<uint16_t>(u >> 16), hi = static_cast<uint16_t>(lo + 1);
  auto magnitude = [](uint16_t b) {
    return (b & 0x7fffu) == 0x7f80u ? std::ldexp(1.0, 128) : std::fabs(static_cast<double>(bf16_to_float(b)));
  };
  const double ax = std::fabs(static_cast<double>(x));
  const double below = ax - magnitude(lo), above = magnitude(hi) - ax;
  if (below < above) return lo;
  if (above < below) return hi;
  return (lo & 1u) == 0 ? lo : hi;
}

TEST(Bf16, EveryBf16ValueSurvivesTheRoundTrip) {
  for (uint32_t b = 0; b <= 0xffffu; ++b) {
    const auto bits = static_cast<uint16_t>(b);
    const float f = bf16_to_float(bits);
    EXPECT_EQ(float_bits(f), b << 16) << "widening is exact";
    if (std::isnan(f)) {
      const uint16_t back = float_to_bf16(f);
      EXPECT_TRUE(std::isnan(bf16_to_float(back))) << std::hex << b;
      EXPECT_EQ(back & 0x8000u, bits & 0x8000u) << "sign of NaN " << std::hex << b;
    } else {
      EXPECT_EQ(float_to_bf16(f), bits) << std::hex << b;
    }
  }
}

TEST(Bf16, TiesGoToEven) {
  // 1 + 2^-8 lies halfway between 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): down to even.
  EXPECT_EQ(float_to_bf16(float_from_bits(0x3f808000u)), 0x3f80u);
  // halfway between 0x3f81 (odd) and 0x3f82: up to even.
  EXPECT_EQ(float_to_bf16(float_from_bits(0x3f818000u)), 0x3f82u);
  EXPECT_EQ(float_to_bf16(float_from_bits(0x3f808001u)), 0x3f81u);  // just above the tie
  EXPECT_EQ(float_to_bf16(float_from_bits(0x3f807fffu)), 0x3f80u);  // just below it
  EXPECT_EQ(float_to_bf16(float_from_bits(0xbf818000u)), 0xbf82u);  // negative: by magnitude
  // The carry runs into the exponent: 0x3fff8000 (halfway, odd below) rounds up to 2.
  EXPECT_EQ(float_to_bf16(float_from_bits(0x3fff8000u)), 0x4000u);
}

TEST(Bf16, InfNanAndOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(float_to_bf16(inf), 0x7f80u);
  EXPECT_EQ(float_to_bf16(-inf), 0xff80u);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80u);  // rounds up past the largest bf16
  EXPECT_EQ(float_to_bf16(float_from_bits(0x7f7f7fffu)), 0x7f7fu);       // below the midpoint: stays finite
  EXPECT_EQ(float_to_bf16(float_from_bits(0x7f7f8000u)), 0x7f80u);       // the midpoint, odd below: to inf
  // NaNs whose payload lies only in the dropped bits must not become infinities.
  for (uint32_t nan : {0x7f800001u, 0x7fc00000u, 0xff800001u, 0x7fffffffu, 0x7f80ffffu}) {
    const uint16_t b = float_to_bf16(float_from_bits(nan));
    EXPECT_TRUE(std::isnan(bf16_to_float(b))) << std::hex << nan;
    EXPECT_EQ(b & 0x8000u, (nan >> 16) & 0x8000u) << std::hex << nan;
  }
}

TEST(Bf16, SubnormalsAndZeros) {
  EXPECT_EQ(float_to_bf16(0.0f), 0x0000u);
  EXPECT_EQ(float_to_bf16(-0.0f), 0x8000u);
  EXPECT_EQ(float_to_bf16(float_from_bits(0x00000001u)), 0x0000u);  // smallest float subnormal: to zero
  EXPECT_EQ(float_to_bf16(float_from_bits(0x00008000u)), 0x0000u);  // tie: to even zero
  EXPECT_EQ(float_to_bf16(float_from_bits(0x00018000u)), 0x0002u);  // tie: up to even
  EXPECT_EQ(float_to_bf16(float_from_bits(0x00010000u)), 0x0001u);  // smallest bf16 subnormal, exact
  EXPECT_EQ(float_to_bf16(float_from_bits(0x007fffffu)), 0x0080u);  // largest subnormal rounds to the smallest normal
  EXPECT_EQ(float_to_bf16(float_from_bits(0x80018000u)), 0x8002u);
}

TEST(Bf16, MatchesTheNearestValueInFloat64) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int t = 0; t < 200000; ++t) {
    uint32_t u = static_cast<uint32_t>(rng());
    if (t % 4 == 0) u &= 0x807fffffu;  // a quarter subnormal (or zero)
    if (t % 4 == 1) u |= 0x00008000u;  // ties and above-ties are common
    const float x = float_from_bits(u);
    if (std::isnan(x)) continue;  // NaNs: InfNanAndOverflow
    ASSERT_EQ(float_to_bf16(x), nearest_bf16(x)) << std::hex << u;
  }
}

// Random values rounded to bf16: the bits and their float64 values.
struct RoundedInput {
  std::vector<uint16_t> bits;
  std::vector<double> values;
};

RoundedInput rounded_dense(int64_t n, uint64_t seed) {
  RoundedInput r;
  for (float v : testing::random_dense(n, seed)) {
    r.bits.push_back(float_to_bf16(v));
    r.values.push_back(bf16_to_float(r.bits.back()));
  }
  return r;
}

// float64 dense layer y = x w + b, and per element the sum of |terms| that bounds its rounding.
void linear64(int64_t n, int64_t in, int64_t out, const std::vector<double>& x, const std::vector<double>& w,
              const std::vector<double>& b, std::vector<double>& y, std::vector<double>& abs_sum) {
  y.assign(static_cast<size_t>(n * out), 0.0);
  abs_sum.assign(y.size(), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < out; ++c) {
      double s = b.empty() ? 0.0 : b[c], a = b.empty() ? 0.0 : std::fabs(b[c]);
      for (int64_t k = 0; k < in; ++k) {
        s += x[r * in + k] * w[k * out + c];
        a += std::fabs(x[r * in + k] * w[k * out + c]);
      }
      y[r * out + c] = s;
      abs_sum[r * out + c] = a;
    }
}

// A float32 sum of K terms (in any order, FMA or not) is within (K + 1) 2^-24 sum|terms| of the
// exact sum (the gamma_K bound of Higham, 2002, ch. 3); K + 3 leaves room for the final rounding
// and the accumulate into a non-zero output.
double sum_tolerance(int64_t terms, double abs_sum) { return static_cast<double>(terms + 3) * 0x1p-24 * abs_sum; }

struct LinearCase {
  int64_t n, in, out, tile_floats;
};

class LinearBf16x : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearBf16x, ForwardMatchesFloat64OnTheRoundedInputs) {
  const LinearCase lc = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " n " + std::to_string(lc.n) + " in " + std::to_string(lc.in) +
               " out " + std::to_string(lc.out) + " tile_floats " + std::to_string(lc.tile_floats));
  const RoundedInput x = rounded_dense(lc.n * lc.in, seed);
  const std::vector<float> w = testing::random_dense(lc.in * lc.out, seed + 1), b = testing::random_dense(lc.out, seed + 2);
  for (bool with_bias : {true, false}) {
    std::vector<double> want, abs_sum;
    linear64(lc.n, lc.in, lc.out, x.values, testing::to_double(w), with_bias ? testing::to_double(b) : std::vector<double>{},
             want, abs_sum);
    std::vector<float> y(static_cast<size_t>(lc.n * lc.out), std::numeric_limits<float>::quiet_NaN());
    kernels::linear_forward_bf16x_cpu(lc.n, lc.in, lc.out, x.bits.data(), w.data(), with_bias ? b.data() : nullptr,
                                      y.data(), lc.tile_floats);
    for (size_t e = 0; e < y.size(); ++e)
      ASSERT_NEAR(y[e], want[e], sum_tolerance(lc.in + 1, abs_sum[e])) << "bias " << with_bias << " element " << e;
  }
}

TEST_P(LinearBf16x, BackwardAddsDwDbAsFloat64AndFiniteDifferences) {
  const LinearCase lc = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " n " + std::to_string(lc.n) + " in " + std::to_string(lc.in) +
               " out " + std::to_string(lc.out) + " tile_floats " + std::to_string(lc.tile_floats));
  const int64_t n = lc.n, in = lc.in, out = lc.out;
  const RoundedInput x = rounded_dense(n * in, seed);
  std::vector<double> w = testing::to_double(testing::random_dense(in * out, seed + 1)),
                      b = testing::to_double(testing::random_dense(out, seed + 2));
  const std::vector<float> dy = testing::random_dense(n * out, seed + 3);
  const std::vector<float> dw0 = testing::random_dense(in * out, seed + 4), db0 = testing::random_dense(out, seed + 5);
  std::vector<float> dw = dw0, db = db0;
  kernels::linear_backward_bf16x_cpu(n, in, out, x.bits.data(), dy.data(), dw.data(), db.data(), lc.tile_floats);
  // float64: dw0 + x^T dy and db0 + column sums of dy, each within the bound of its n-term sum.
  for (int64_t k = 0; k < in; ++k)
    for (int64_t c = 0; c < out; ++c) {
      double s = dw0[k * out + c], a = std::fabs(dw0[k * out + c]);
      for (int64_t r = 0; r < n; ++r) {
        s += x.values[r * in + k] * dy[r * out + c];
        a += std::fabs(x.values[r * in + k] * dy[r * out + c]);
      }
      ASSERT_NEAR(dw[k * out + c], s, sum_tolerance(n + 1, a)) << "dw " << k << "," << c;
    }
  for (int64_t c = 0; c < out; ++c) {
    double s = db0[c], a = std::fabs(db0[c]);
    for (int64_t r = 0; r < n; ++r) {
      s += dy[r * out + c];
      a += std::fabs(dy[r * out + c]);
    }
    ASSERT_NEAR(db[c], s, sum_tolerance(n + 1, a)) << "db " << c;
  }
  // Finite differences of sum(dy * y(w, b)) in float64 on the rounded x: the added increments are
  // the gradients. Tolerance 1e-4: the increments carry the float32 rounding of dw0 + g (~1e-7) and
  // of the sums above (~1e-6 for these random signs; the float64 check above holds them to their
  // worst-case bound), while a transposed or missing term is off by O(0.1).
  std::vector<float> gw(dw.size()), gb(db.size());
  for (size_t e = 0; e < dw.size(); ++e) gw[e] = dw[e] - dw0[e];
  for (size_t e = 0; e < db.size(); ++e) gb[e] = db[e] - db0[e];
  auto loss = [&] {
    std::vector<double> y, abs_sum;
    linear64(n, in, out, x.values, w, b, y, abs_sum);
    double s = 0;
    for (size_t e = 0; e < y.size(); ++e) s += dy[e] * y[e];
    return s;
  };
  // With no rows there is no gradient: dw and db are left as they were. An empty dw or db
  // has nothing to check.
  if (n == 0) {
    EXPECT_EQ(dw, dw0);
    EXPECT_EQ(db, db0);
    return;
  }
  if (in > 0 && out > 0) {
    EXPECT_TRUE(testing::matches_finite_differences(w, gw, loss, 1e-6, 1e-4, "dw"));
  }
  if (out > 0) {
    EXPECT_TRUE(testing::matches_finite_differences(b, gb, loss, 1e-6, 1e-4, "db"));
  }
}

TEST_P(LinearBf16x, BackwardWithoutDbLeavesItAlone) {
  const LinearCase lc = GetParam();
  const RoundedInput x = rounded_dense(lc.n * lc.in, 3);
  const std::vector<float> dy = testing::random_dense(lc.n * lc.out, 4);
  std::vector<float> with_db(static_cast<size_t>(lc.in * lc.out), 0.5f), without_db = with_db,
                     db(static_cast<size_t>(lc.out), 0.0f);
  kernels::linear_backward_bf16x_cpu(lc.n, lc.in, lc.out, x.bits.data(), dy.data(), with_db.data(), db.data(),
                                     lc.tile_floats);
  kernels::linear_backward_bf16x_cpu(lc.n, lc.in, lc.out, x.bits.data(), dy.data(), without_db.data(), nullptr,
                                     lc.tile_floats);
  EXPECT_EQ(with_db, without_db);
}

std::string linear_case_name(const ::testing::TestParamInfo<LinearCase>& p) {
  std::string name = "n";
  for (auto [label, v] : {std::pair<const char*, int64_t>{"", p.param.n}, {"_in", p.param.in}, {"_out", p.param.out},
                          {"_tile", p.param.tile_floats}})
    name.append(label).append(std::to_string(v));
  return name;
}

// Tiles: one row each (tile_floats < in), a few rows with a partial last tile, and all of x at once.
INSTANTIATE_TEST_SUITE_P(Shapes, LinearBf16x,
                         ::testing::Values(LinearCase{0, 5, 3, 64}, LinearCase{1, 13, 6, 1}, LinearCase{7, 5, 3, 1},
                                           LinearCase{33, 13, 9, 40}, LinearCase{37, 64, 5, 3 * 64},
                                           LinearCase{50, 100, 7, 1 << 24}, LinearCase{9, 1, 4, 2},
                                           LinearCase{6, 0, 3, 64}, LinearCase{5, 4, 0, 64}),
                         linear_case_name);

TEST(LinearBf16xTiles, RowsPerTile) {
  EXPECT_EQ(kernels::linear_bf16x_tile_rows(100, 10, 35), 3);
  EXPECT_EQ(kernels::linear_bf16x_tile_rows(100, 10, 5), 1);  // at least one row
  EXPECT_EQ(kernels::linear_bf16x_tile_rows(2, 10, 1000), 2);  // never more than n
  EXPECT_EQ(kernels::linear_bf16x_tile_rows(0, 10, 1000), 0);
  EXPECT_EQ(kernels::linear_bf16x_tile_rows(7, 0, 1000), 7);
}

}  // namespace
}  // namespace mmgraph
