// WARP: the harmonic rank weight, no violator -> 0, a violator at trial t uses
// the rank estimate floor((I - 1) / t) and only the first violator counts, loss
// against float64 math and gradients against central finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/loss_math.h"
#include "kernels/warp_loss.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(WarpLoss, HarmonicNumberMatchesTheSum) {
  long double h = 0;  // 64-bit mantissa: the running sum's own rounding stays < 1e-13
  EXPECT_EQ(kernels::harmonic_number(0), 0.0);
  for (int64_t r = 1; r <= 200000; ++r) {
    h += 1.0L / static_cast<long double>(r);
    ASSERT_NEAR(kernels::harmonic_number(r), static_cast<double>(h), 1e-11) << "r " << r;
  }
  EXPECT_NEAR(kernels::warp_rank_weight(11, 2), 137.0 / 60.0, 1e-15);  // r = 5
  EXPECT_EQ(kernels::warp_rank_weight(1, 1), 0.0);  // a single item: rank 0
}

// Example: user (1, 0), positive item (1, 0) (s_up = 1), margin 1, candidates
// (-1, 0) (s = -1: violation -1), (0.5, 1) (s = 0.5: violation 0.5), (2, 0) (violation 2).
struct HandExample {
  std::vector<float> user = {1.0f, 0.0f};
  std::vector<float> items = {1.0f, 0.0f, -1.0f, 0.0f, 0.5f, 1.0f, 2.0f, 0.0f};  // items 0..3
  int32_t u = 0, p = 0;
};

TEST(WarpLoss, NoViolatorGivesZero) {
  const HandExample x;
  const std::vector<int32_t> cand = {1, 1};  // only the non-violating item
  std::vector<float> gu(2, 0.25f), gi(8, 0.5f);
  const double loss = kernels::warp_loss_fused_cpu(1, 2, 2, 11, &x.u, &x.p, cand.data(), 1.0f, x.user.data(),
                                                   x.items.data(), 1.0f, gu.data(), gi.data());
  EXPECT_EQ(loss, 0.0);
  EXPECT_EQ(gu, std::vector<float>(2, 0.25f));
  EXPECT_EQ(gi, std::vector<float>(8, 0.5f));
}

TEST(WarpLoss, FirstViolatorAtTrialTUsesTheRankEstimate) {
  const HandExample x;
  // Trial 1 does not violate; trial 2 (item 2, violation 0.5) is the first
  // violator, trial 3 (item 3) would violate more but is never reached.
  const std::vector<int32_t> cand = {1, 2, 3};
  std::vector<float> gu(2, 0.0f), gi(8, 0.0f);
  const float weight = 2.0f;
  const double loss = kernels::warp_loss_fused_cpu(1, 2, 3, 11, &x.u, &x.p, cand.data(), 1.0f, x.user.data(),
                                                   x.items.data(), weight, gu.data(), gi.data());
  const double l5 = 137.0 / 60.0;  // r = floor(10 / 2) = 5
  EXPECT_NEAR(loss, weight * l5 * 0.5, 1e-12);
  const double c = weight * l5;
  EXPECT_FLOAT_EQ(gu[0], static_cast<float>(c * (0.5 - 1.0)));
  EXPECT_FLOAT_EQ(gu[1], static_cast<float>(c * 1.0));
  EXPECT_FLOAT_EQ(gi[0], static_cast<float>(-c));  // positive
  EXPECT_EQ(gi[1], 0.0f);
  EXPECT_EQ(gi[2], 0.0f);  // trial 1's item untouched
  EXPECT_FLOAT_EQ(gi[4], static_cast<float>(c));  // violator
  EXPECT_EQ(gi[6], 0.0f);  // trial 3 never reached
  // With the violator first the rank estimate is floor(10 / 1) = 10.
  const std::vector<int32_t> first = {2, 3};
  std::vector<float> hu(2, 0.0f), hi(8, 0.0f);
  const double loss1 = kernels::warp_loss_fused_cpu(1, 2, 2, 11, &x.u, &x.p, first.data(), 1.0f, x.user.data(),
                                                    x.items.data(), weight, hu.data(), hi.data());
  EXPECT_NEAR(loss1, weight * kernels::harmonic_number(10) * 0.5, 1e-12);
}

struct Problem {
  int64_t users = 5, items = 12, d = 6, batch = 9;
  int t_count = 4;
  std::vector<float> user_rep, item_rep;
  std::vector<int32_t> u, p, cand;
  float margin = 0.3f;
};

double dot(const std::vector<double>& x, int64_t i, const std::vector<double>& y, int64_t j, int64_t d) {
  double s = 0;
  for (int64_t k = 0; k < d; ++k) s += x[i * d + k] * y[j * d + k];
  return s;
}

// float64 WARP of the same definition; *closest receives min |violation| over the trials made.
double loss64(const Problem& pr, const std::vector<double>& ur, const std::vector<double>& ir, double weight,
              double* closest = nullptr) {
  double total = 0;
  for (int64_t b = 0; b < pr.batch; ++b) {
    const double s_up = dot(ur, pr.u[b], ir, pr.p[b], pr.d);
    for (int t = 1; t <= pr.t_count; ++t) {
      const double v = pr.margin - s_up + dot(ur, pr.u[b], ir, pr.cand[b * pr.t_count + t - 1], pr.d);
      if (closest) *closest = std::min(*closest, std::fabs(v));
      if (v > 0) {
        double h = 0;
        for (int64_t k = 1; k <= (pr.items - 1) / t; ++k) h += 1.0 / static_cast<double>(k);
        total += h * v;
        break;
      }
    }
  }
  return weight * total / static_cast<double>(pr.batch);
}

// Random problem whose violation tests are all at least 1e-3 from 0, so that the
// finite differences (steps of 1e-6) never cross a decision, and with at least one
// violation by a candidate other than the positive, so that the gradients are not zero.
Problem make_problem(uint64_t seed, int64_t batch) {
  for (uint64_t attempt = 0;; ++attempt) {
    Problem pr;
    pr.batch = batch;
    pr.user_rep = testing::random_dense(pr.users * pr.d, seed + 7 * attempt);
    pr.item_rep = testing::random_dense(pr.items * pr.d, seed + 7 * attempt + 1);
    std::mt19937_64 rng(seed + attempt);
    for (int64_t b = 0; b < batch; ++b) {
      pr.u.push_back(static_cast<int32_t>(rng() % pr.users));
      pr.p.push_back(static_cast<int32_t>(rng() % pr.items));
      for (int t = 0; t < pr.t_count; ++t) {
        int32_t c = static_cast<int32_t>(rng() % pr.items);
        while (c == pr.p.back()) c = static_cast<int32_t>(rng() % pr.items);
        pr.cand.push_back(c);
      }
    }
    if (batch >= 3) pr.u[2] = pr.u[0];  // the same user twice
    double closest = 1e30;
    const double loss = loss64(pr, testing::to_double(pr.user_rep), testing::to_double(pr.item_rep), 1.0, &closest);
    if (closest > 1e-3 && loss > 0) return pr;
  }
}

TEST(WarpLoss, LossAndGradientsMatchFiniteDifferences) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const int64_t batch : {1, 9}) {
    const Problem pr = make_problem(seed, batch);
    const float weight = 1.3f;
    std::vector<float> gu(pr.user_rep.size(), 0.0f), gi(pr.item_rep.size(), 0.0f);
    const double loss = kernels::warp_loss_fused_cpu(pr.batch, pr.d, pr.t_count, pr.items, pr.u.data(), pr.p.data(),
                                                     pr.cand.data(), pr.margin, pr.user_rep.data(),
                                                     pr.item_rep.data(), weight, gu.data(), gi.data());
    std::vector<double> ur = testing::to_double(pr.user_rep), ir = testing::to_double(pr.item_rep);
    // Scores in float64 on both sides; L(r) by the same sum: 1e-12.
    EXPECT_NEAR(loss, loss64(pr, ur, ir, weight), 1e-12 * (1 + loss));
    const auto f = [&] { return loss64(pr, ur, ir, weight); };
    // The loss is linear in each entry between decisions, and no decision is within
    // 1e-3 of flipping: the differences are exact up to double rounding (~1e-10);
    // gradients are float32 sums of O(1) terms: 1e-6.
    EXPECT_TRUE(testing::matches_finite_differences(ur, gu, f, 1e-6, 1e-6, "user_rep")) << "batch " << batch;
    EXPECT_TRUE(testing::matches_finite_differences(ir, gi, f, 1e-6, 1e-6, "item_rep")) << "batch " << batch;
  }
}

TEST(WarpLoss, EmptyBatchIsZero) {
  EXPECT_EQ(kernels::warp_loss_fused_cpu(0, 4, 3, 10, nullptr, nullptr, nullptr, 1.0f, nullptr, nullptr, 1.0f, nullptr,
                                         nullptr),
            0.0);
}

}  // namespace
}  // namespace mmgraph
