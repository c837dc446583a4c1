// InfoNCE: B = 1 is 0, two orthogonal rows give a closed form, loss against a
// float64 re-implementation, gradients of both views against central finite
// differences in float64 (duplicated rows included), scale invariance, and the
// row multiplicities: K distinct rows with counts = the duplicated batch of sum(counts) rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "gpu/compare.h"
#include "kernels/infonce.h"
#include "mmgraph/errors.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(Infonce, OneRowIsZero) {
  const std::vector<float> a = {0.3f, -2.0f, 1.0f}, b = {1.0f, 1.0f, 0.5f};
  std::vector<float> ga(3, 0.5f), gb(3, 0.0f);
  const double loss = kernels::infonce_loss_fused_cpu(1, 3, a.data(), b.data(), nullptr, 1, 0.2f, 1.0f, ga.data(), gb.data());
  EXPECT_EQ(loss, 0.0);
  EXPECT_EQ(ga, std::vector<float>(3, 0.5f));
  EXPECT_EQ(gb, std::vector<float>(3, 0.0f));
}

TEST(Infonce, TwoOrthogonalRowsClosedForm) {
  // a = b = (2 e1, 3 e2): normalised logits C = I / t, so each row's loss is
  // log(e^{1/t} + 1) - 1/t = log(1 + e^{-1/t}).
  const float t = 0.5f, w = 0.8f;
  const std::vector<float> a = {2.0f, 0.0f, 0.0f, 3.0f};
  std::vector<float> ga(4, 0.0f), gb(4, 0.0f);
  const double loss = kernels::infonce_loss_fused_cpu(2, 2, a.data(), a.data(), nullptr, 2, t, w, ga.data(), gb.data());
  EXPECT_NEAR(loss, w * std::log1p(std::exp(-1.0 / t)), 1e-6);
  // G_01 = w / 2 * softmax(C_0.)_1 = w / 2 / (e^{1/t} + 1); dL/da^_0 = (G_00 e1 + G_01 e2) / t,
  // and the normalisation keeps the part orthogonal to a^_0 = e1, divided by |a_0| = 2.
  const double g01 = w / 2 / (std::exp(1.0 / t) + 1);
  EXPECT_NEAR(ga[0], 0.0, 1e-7);
  EXPECT_NEAR(ga[1], g01 / t / 2, 1e-7);
  EXPECT_NEAR(ga[2], g01 / t / 3, 1e-7);  // row 1: G_10 e1 / t / |a_1|
  EXPECT_NEAR(ga[3], 0.0, 1e-7);
  // By symmetry (G is symmetric here) grad_b is the same.
  for (int e = 0; e < 4; ++e) EXPECT_NEAR(gb[e], ga[e], 1e-7) << e;
}

// float64 InfoNCE of the same definition.
double loss64(int64_t b, int64_t d, const std::vector<double>& a, const std::vector<double>& bv, double t, double w) {
  std::vector<double> an(a.size()), bn(bv.size());
  for (int64_t r = 0; r < b; ++r) {
    double sa = 0, sb = 0;
    for (int64_t j = 0; j < d; ++j) {
      sa += a[r * d + j] * a[r * d + j];
      sb += bv[r * d + j] * bv[r * d + j];
    }
    for (int64_t j = 0; j < d; ++j) {
      an[r * d + j] = a[r * d + j] / std::sqrt(sa);
      bn[r * d + j] = bv[r * d + j] / std::sqrt(sb);
    }
  }
  double total = 0;
  for (int64_t k = 0; k < b; ++k) {
    std::vector<double> c(b);
    for (int64_t j = 0; j < b; ++j) {
      double s = 0;
      for (int64_t x = 0; x < d; ++x) s += an[k * d + x] * bn[j * d + x];
      c[j] = s / t;
    }
    double sum = 0;
    for (double v : c) sum += std::exp(v);
    total += std::log(sum) - c[k];
  }
  return w * total / static_cast<double>(b);
}

TEST(Infonce, LossAndGradientsMatchFiniteDifferences) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t b = 6, d = 5;
  const float t = 0.3f, w = 0.9f;
  auto a = testing::random_dense(b * d, seed), bv = testing::random_dense(b * d, seed + 1);
  for (int64_t j = 0; j < d; ++j) {  // row 4 repeats row 1 in both views (the same item twice)
    a[4 * d + j] = a[1 * d + j];
    bv[4 * d + j] = bv[1 * d + j];
  }
  std::vector<float> ga(a.size(), 0.0f), gb(bv.size(), 0.0f);
  const double loss = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), nullptr, b, t, w, ga.data(), gb.data());
  std::vector<double> a64 = testing::to_double(a), b64 = testing::to_double(bv);
  // The op's normalised rows and logits are float32 (cblas_sgemm): logits carry
  // ~1e-7 / t relative error, the loss (O(1)) ~1e-6.
  EXPECT_NEAR(loss, loss64(b, d, a64, b64, t, w), 1e-5);
  const auto f = [&] { return loss64(b, d, a64, b64, t, w); };
  // float32 normalisation, GEMMs and softmax: ~1e-6 relative on O(1 / (t |x|)) entries,
  // plus the difference's own error (~1e-10 truncation and rounding): 2e-5 absolute.
  EXPECT_TRUE(testing::matches_finite_differences(a64, ga, f, 1e-6, 2e-5, "grad_a"));
  EXPECT_TRUE(testing::matches_finite_differences(b64, gb, f, 1e-6, 2e-5, "grad_b"));
}

TEST(Infonce, ReusedScratchGivesTheFreshResult) {
  // The device passes one scratch to every call: a larger call, then a smaller one whose
  // scratch holds the larger call's values, must give what a fresh allocation gives.
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  kernels::InfonceCpuScratch scratch;
  for (const int64_t b : {37, 9, 37}) {
    const int64_t d = 20;
    const auto a = testing::random_dense(b * d, seed + b), bv = testing::random_dense(b * d, seed + b + 1);
    std::vector<int32_t> counts(static_cast<size_t>(b));
    for (int64_t k = 0; k < b; ++k) counts[k] = static_cast<int32_t>(1 + k % 3);
    const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
    std::vector<float> ga1(a.size(), 0.0f), gb1(a.size(), 0.0f), ga2(a.size(), 0.0f), gb2(a.size(), 0.0f);
    const double fresh = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), counts.data(), total, 0.2f, 1.0f,
                                                         ga1.data(), gb1.data());
    const double reused = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), counts.data(), total, 0.2f, 1.0f,
                                                          ga2.data(), gb2.data(), &scratch);
    EXPECT_EQ(reused, fresh) << "b = " << b;
    EXPECT_EQ(ga2, ga1) << "b = " << b;
    EXPECT_EQ(gb2, gb1) << "b = " << b;
  }
}

TEST(Infonce, ScaleInvariantWithGradientsOrthogonalToTheRows) {
  const int64_t b = 4, d = 3;
  auto a = testing::random_dense(b * d, 21), bv = testing::random_dense(b * d, 22);
  std::vector<float> ga(a.size(), 0.0f), gb(bv.size(), 0.0f);
  const double loss = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), nullptr, b, 0.1f, 1.0f, ga.data(), gb.data());
  for (int64_t r = 0; r < b; ++r) {
    double along = 0;
    for (int64_t j = 0; j < d; ++j) along += static_cast<double>(a[r * d + j]) * ga[r * d + j];
    EXPECT_NEAR(along, 0.0, 1e-6) << "row " << r;
  }
  for (int64_t j = 0; j < d; ++j) a[2 * d + j] *= 4.0f;  // exact in float
  std::vector<float> ha(a.size(), 0.0f), hb(bv.size(), 0.0f);
  const double scaled = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), nullptr, b, 0.1f, 1.0f, ha.data(), hb.data());
  EXPECT_NEAR(scaled, loss, 1e-6);
  for (int64_t j = 0; j < d; ++j) EXPECT_NEAR(ha[2 * d + j], ga[2 * d + j] / 4, 1e-6);
}

TEST(Infonce, EmptyBatchIsZeroAndZeroWidthIsAnError) {
  EXPECT_EQ(kernels::infonce_loss_fused_cpu(0, 8, nullptr, nullptr, nullptr, 0, 0.2f, 1.0f, nullptr, nullptr), 0.0);
  const float x = 1.0f;
  float g = 0.0f;
  EXPECT_THROW(kernels::infonce_loss_fused_cpu(1, 0, &x, &x, nullptr, 1, 0.2f, 1.0f, &g, &g), Error);
}

// K distinct rows with multiplicities n_k against the batch that holds row k n_k times
// (shuffled), each copy's gradient added back into its distinct row.
TEST(Infonce, RowCountsGiveTheDuplicatedBatch) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const int64_t k : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{40}}) {
    const int64_t d = 9;
    const float t = 0.2f, w = 0.7f;
    auto a = testing::random_dense(k * d, seed + 1), bv = testing::random_dense(k * d, seed + 2);
    std::vector<int32_t> counts(static_cast<size_t>(k));
    for (auto& c : counts) c = 1 + static_cast<int32_t>(rng() % 4);
    std::vector<int32_t> owner;  // the batch: row k repeated counts[k] times, shuffled
    for (int64_t r = 0; r < k; ++r) owner.insert(owner.end(), static_cast<size_t>(counts[r]), static_cast<int32_t>(r));
    std::shuffle(owner.begin(), owner.end(), rng);
    const auto total = static_cast<int64_t>(owner.size());
    std::vector<float> da(static_cast<size_t>(total * d)), db(da.size());
    for (int64_t i = 0; i < total; ++i)
      for (int64_t j = 0; j < d; ++j) {
        da[i * d + j] = a[owner[i] * d + j];
        db[i * d + j] = bv[owner[i] * d + j];
      }
    std::vector<float> gda(da.size(), 0.0f), gdb(db.size(), 0.0f);
    const double dup = kernels::infonce_loss_fused_cpu(total, d, da.data(), db.data(), nullptr, total, t, w,
                                                       gda.data(), gdb.data());
    std::vector<float> want_a(a.size(), 0.0f), want_b(bv.size(), 0.0f);
    for (int64_t i = 0; i < total; ++i)
      for (int64_t j = 0; j < d; ++j) {
        want_a[owner[i] * d + j] += gda[i * d + j];
        want_b[owner[i] * d + j] += gdb[i * d + j];
      }
    std::vector<float> ga(a.size(), 0.0f), gb(bv.size(), 0.0f);
    const double loss = kernels::infonce_loss_fused_cpu(k, d, a.data(), bv.data(), counts.data(), total, t, w,
                                                        ga.data(), gb.data());
    // Same float32 logits; the sums differ only in order (and n_j exp vs n_j separate
    // exps): ~1e-6 relative on the O(1) loss and on gradient entries of O(1 / t).
    EXPECT_NEAR(loss, dup, 2e-6 * std::max(1.0, std::fabs(dup)));
    EXPECT_TRUE(testing::all_close(ga, want_a, 2e-6, 2e-5, "grad a"));
    EXPECT_TRUE(testing::all_close(gb, want_b, 2e-6, 2e-5, "grad b"));
  }
}

// A row of multiplicity 0 takes no part: the loss and the other rows' gradients are those
// without it, and its own gradient stays as it was. Two cases: random rows, and a zero row (as
// a padded batch has) at a low temperature beside rows whose cosines are all near -1, so that
// its logit 0 exceeds the row maximum by about 1 / t and its exponential alone would overflow.
TEST(Infonce, RowOfCountZeroTakesNoPart) {
  const int64_t k = 5, d = 4;
  std::vector<float> anti_a(k * d, 0.0f), anti_b(k * d, 0.0f);
  for (int64_t r = 0; r < k; ++r) {
    if (r == 2) continue;  // the zero (padded) row
    anti_a[r * d] = 1.0f;
    anti_b[r * d] = -1.0f;
    anti_b[r * d + 1] = 0.05f * static_cast<float>(r);
  }
  struct Case {
    std::vector<float> a, bv;
    float t;
  };
  const Case cases[] = {{testing::random_dense(k * d, 31), testing::random_dense(k * d, 32), 0.5f},
                        {anti_a, anti_b, 0.005f}};
  const std::vector<int32_t> counts = {2, 1, 0, 3, 1}, kept = {2, 1, 3, 1};
  for (const Case& c : cases) {
    SCOPED_TRACE("temperature " + std::to_string(c.t));
    const std::vector<float>&a = c.a, &bv = c.bv;
    std::vector<float> ga(a.size(), 0.25f), gb(bv.size(), 0.25f);
    const double loss =
        kernels::infonce_loss_fused_cpu(k, d, a.data(), bv.data(), counts.data(), 7, c.t, 1.0f, ga.data(), gb.data());
    std::vector<float> a4, b4;  // rows 0, 1, 3, 4
    for (int64_t r : {0, 1, 3, 4}) {
      a4.insert(a4.end(), a.begin() + r * d, a.begin() + (r + 1) * d);
      b4.insert(b4.end(), bv.begin() + r * d, bv.begin() + (r + 1) * d);
    }
    std::vector<float> ga4(a4.size(), 0.25f), gb4(b4.size(), 0.25f);
    const double loss4 = kernels::infonce_loss_fused_cpu(4, d, a4.data(), b4.data(), kept.data(), 7, c.t, 1.0f,
                                                         ga4.data(), gb4.data());
    // float32 sums over 5 columns (one adding 0) against 4: a few ulps of values that grow as 1 / t.
    ASSERT_TRUE(std::isfinite(loss));
    EXPECT_NEAR(loss, loss4, 1e-6 * (1 + std::fabs(loss4)));
    for (int64_t j = 0; j < d; ++j) {
      EXPECT_EQ(ga[2 * d + j], 0.25f);
      EXPECT_EQ(gb[2 * d + j], 0.25f);
    }
    int64_t at = 0;
    for (int64_t r : {0, 1, 3, 4}) {
      for (int64_t j = 0; j < d; ++j) {
        EXPECT_NEAR(ga[r * d + j], ga4[at * d + j], 1e-6 * (1 + std::fabs(ga4[at * d + j])));
        EXPECT_NEAR(gb[r * d + j], gb4[at * d + j], 1e-6 * (1 + std::fabs(gb4[at * d + j])));
      }
      ++at;
    }
  }
}

}  // namespace
}  // namespace mmgraph
