// Fused BPR: the seed documents' worked example, loss against float64 math and
// gradients against central finite differences in float64.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <tuple>

#include "kernels/bpr.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

TEST(Bpr, SeedDocumentExample) {
  // u.i = 2, u.i' = 1: -log sigmoid(1) = 0.3133.
  const std::vector<float> user = {1.0f, 1.0f};
  const std::vector<float> items = {1.0f, 1.0f, 0.5f, 0.5f};  // item 0: u.i = 2, item 1: u.i' = 1
  const int32_t u = 0, p = 0, n = 1;
  std::vector<float> gu(2, 0.0f), gi(4, 0.0f), gu0(2, 0.0f), gi0(4, 0.0f);
  const auto loss = kernels::bpr_loss_fused_cpu({1, &u, &p, &n}, 2, user.data(), items.data(), user.data(),
                                                items.data(), 0.0f, gu.data(), gi.data(), gu0.data(), gi0.data());
  EXPECT_NEAR(loss.bpr, 0.3133, 5e-5);
  EXPECT_EQ(loss.reg, 0.0);
  // d/du = -sigmoid(-1) (i - i') = -0.26894 * 0.5
  EXPECT_NEAR(gu[0], -0.268941 * 0.5, 1e-6);
}

struct Problem {
  int64_t users = 6, items = 9, d = 7, batch = 13;
  std::vector<float> user_rep, item_rep, user0, item0;
  std::vector<int32_t> u, p, n;
};

Problem make_problem(uint64_t seed) {
  Problem pr;
  pr.user_rep = testing::random_dense(pr.users * pr.d, seed);
  pr.item_rep = testing::random_dense(pr.items * pr.d, seed + 1);
  pr.user0 = testing::random_dense(pr.users * pr.d, seed + 2);
  pr.item0 = testing::random_dense(pr.items * pr.d, seed + 3);
  std::mt19937_64 rng(seed);
  for (int64_t b = 0; b < pr.batch; ++b) {  // repeated users and items on purpose
    pr.u.push_back(static_cast<int32_t>(rng() % pr.users));
    const auto pi = static_cast<int32_t>(rng() % pr.items);
    pr.p.push_back(pi);
    pr.n.push_back(static_cast<int32_t>((pi + 1 + rng() % (pr.items - 1)) % pr.items));
  }
  return pr;
}

// float64 loss of the same definition.
double loss64(const Problem& pr, const std::vector<double>& ur, const std::vector<double>& ir,
              const std::vector<double>& u0, const std::vector<double>& i0, double reg) {
  double total = 0, sq = 0;
  for (int64_t b = 0; b < pr.batch; ++b) {
    double s = 0;
    for (int64_t j = 0; j < pr.d; ++j)
      s += ur[pr.u[b] * pr.d + j] * (ir[pr.p[b] * pr.d + j] - ir[pr.n[b] * pr.d + j]);
    total += std::log1p(std::exp(-s));
    for (int64_t j = 0; j < pr.d; ++j) {
      sq += u0[pr.u[b] * pr.d + j] * u0[pr.u[b] * pr.d + j];
      sq += i0[pr.p[b] * pr.d + j] * i0[pr.p[b] * pr.d + j];
      sq += i0[pr.n[b] * pr.d + j] * i0[pr.n[b] * pr.d + j];
    }
  }
  return total / pr.batch + reg * sq / pr.batch;
}

std::vector<double> to64(const std::vector<float>& v) { return {v.begin(), v.end()}; }

TEST(Bpr, LossAndGradientsMatchFiniteDifferences) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Problem pr = make_problem(seed);
  const float reg = 0.05f;
  std::vector<float> gu(pr.user_rep.size(), 0.0f), gi(pr.item_rep.size(), 0.0f);
  std::vector<float> gu0(pr.user0.size(), 0.0f), gi0(pr.item0.size(), 0.0f);
  const auto loss = kernels::bpr_loss_fused_cpu({pr.batch, pr.u.data(), pr.p.data(), pr.n.data()}, pr.d,
                                                pr.user_rep.data(), pr.item_rep.data(), pr.user0.data(),
                                                pr.item0.data(), reg, gu.data(), gi.data(), gu0.data(), gi0.data());
  std::vector<double> ur = to64(pr.user_rep), ir = to64(pr.item_rep), u0 = to64(pr.user0), i0 = to64(pr.item0);
  EXPECT_NEAR(loss.bpr + loss.reg, loss64(pr, ur, ir, u0, i0, reg), 1e-6);

  const double h = 1e-5;
  auto check = [&](std::vector<double>& param, const std::vector<float>& grad, const char* what) {
    for (size_t e = 0; e < param.size(); ++e) {
      const double keep = param[e];
      param[e] = keep + h;
      const double fp = loss64(pr, ur, ir, u0, i0, reg);
      param[e] = keep - h;
      const double fm = loss64(pr, ur, ir, u0, i0, reg);
      param[e] = keep;
      // float32 gradient terms of size ~1/B: 1e-6 absolute is ~100 ulp of headroom.
      ASSERT_NEAR(grad[e], (fp - fm) / (2 * h), 1e-6) << what << " element " << e;
    }
  };
  check(ur, gu, "user_rep");
  check(ir, gi, "item_rep");
  check(u0, gu0, "user_emb0");
  check(i0, gi0, "item_emb0");
}

TEST(Bpr, WeightScalesTheBprTermOnly) {
  // weight w: the BPR value and its gradients scale by w (exactly: w = 0.25 is a
  // power of two), the L2 value and its gradients do not change.
  const Problem pr = make_problem(testing::fresh_seed());
  const size_t nu = pr.user_rep.size(), ni = pr.item_rep.size();
  std::vector<float> gu1(nu, 0.0f), gi1(ni, 0.0f), gu01(nu, 0.0f), gi01(ni, 0.0f);
  std::vector<float> gu2(nu, 0.0f), gi2(ni, 0.0f), gu02(nu, 0.0f), gi02(ni, 0.0f);
  kernels::BprBatch batch{pr.batch, pr.u.data(), pr.p.data(), pr.n.data()};
  const auto full = kernels::bpr_loss_fused_cpu(batch, pr.d, pr.user_rep.data(), pr.item_rep.data(), pr.user0.data(),
                                                pr.item0.data(), 0.1f, gu1.data(), gi1.data(), gu01.data(), gi01.data());
  batch.weight = 0.25f;
  const auto quarter =
      kernels::bpr_loss_fused_cpu(batch, pr.d, pr.user_rep.data(), pr.item_rep.data(), pr.user0.data(),
                                  pr.item0.data(), 0.1f, gu2.data(), gi2.data(), gu02.data(), gi02.data());
  EXPECT_NEAR(quarter.bpr, 0.25 * full.bpr, 1e-12);
  EXPECT_EQ(quarter.reg, full.reg);
  for (size_t e = 0; e < nu; ++e) EXPECT_FLOAT_EQ(gu2[e], 0.25f * gu1[e]) << e;
  for (size_t e = 0; e < ni; ++e) EXPECT_FLOAT_EQ(gi2[e], 0.25f * gi1[e]) << e;
  EXPECT_EQ(gu02, gu01);
  EXPECT_EQ(gi02, gi01);
}

TEST(Bpr, SameBitsForAnyThreadCount) {
  // The gradients are scattered by threads owning rows: every row must receive its
  // additions in batch order whatever the thread count, also when the rep and emb0
  // buffers alias (n_layers = 0) and when a triple's positive equals its negative.
  Problem pr = make_problem(testing::fresh_seed());
  pr.n[3] = pr.p[3];
  kernels::BprBatch batch{pr.batch, pr.u.data(), pr.p.data(), pr.n.data()};
  const auto run = [&](int threads, bool alias) {
    const int keep = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<float> gu(pr.user_rep.size(), 0.5f), gi(pr.item_rep.size(), -0.25f);
    std::vector<float> gu0(pr.user0.size(), 0.0f), gi0(pr.item0.size(), 0.0f);
    const float* u0 = alias ? pr.user_rep.data() : pr.user0.data();
    const float* i0 = alias ? pr.item_rep.data() : pr.item0.data();
    const auto loss = kernels::bpr_loss_fused_cpu(batch, pr.d, pr.user_rep.data(), pr.item_rep.data(), u0, i0, 0.1f,
                                                  gu.data(), gi.data(), alias ? gu.data() : gu0.data(),
                                                  alias ? gi.data() : gi0.data());
    omp_set_num_threads(keep);
    return std::make_tuple(loss.bpr, loss.reg, gu, gi, gu0, gi0);
  };
  for (const bool alias : {false, true}) {
    const auto one = run(1, alias);
    EXPECT_EQ(run(2, alias), one) << "alias " << alias;
    EXPECT_EQ(run(3, alias), one) << "alias " << alias;
  }
}

TEST(Bpr, EmptyBatchIsZero) {
  const auto loss = kernels::bpr_loss_fused_cpu({}, 4, nullptr, nullptr, nullptr, nullptr, 0.1f, nullptr, nullptr,
                                                nullptr, nullptr);
  EXPECT_EQ(loss.bpr, 0.0);
  EXPECT_EQ(loss.reg, 0.0);
}

}  // namespace
}  // namespace mmgraph
