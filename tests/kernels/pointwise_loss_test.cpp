// Pointwise MSE and BCE-with-logits: hand-worked examples, loss against float64
// math, gradients against central finite differences in float64, repeated
// users and items, B = 0 and 1, stability at large scores.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/pointwise_loss.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using kernels::PointwiseLoss;

TEST(PointwiseLoss, HandWorkedMseAndBce) {
  const std::vector<float> user = {1.0f, 2.0f}, item = {3.0f, 1.0f};  // s = 5
  const int32_t u = 0, i = 0;
  const float y = 4.0f;
  std::vector<float> gu(2, 1.0f), gi(2, 0.0f);  // gu starts at 1: gradients are added
  // MSE: weight (s - y)^2 = 0.5; dloss/ds = 2 weight (s - y) = 1.
  double loss = kernels::pointwise_loss_fused_cpu(PointwiseLoss::kMse, 1, 2, &u, &i, &y, user.data(), item.data(),
                                                  0.5f, gu.data(), gi.data());
  EXPECT_DOUBLE_EQ(loss, 0.5);
  EXPECT_EQ(gu, (std::vector<float>{4.0f, 2.0f}));
  EXPECT_EQ(gi, (std::vector<float>{1.0f, 2.0f}));
  // BCE at s = 0 (orthogonal rows), y = 1: softplus(0) = log 2, dloss/ds = sigmoid(0) - 1 = -0.5.
  const std::vector<float> item0 = {2.0f, -1.0f};
  const float one = 1.0f;
  std::vector<float> hu(2, 0.0f), hi(2, 0.0f);
  loss = kernels::pointwise_loss_fused_cpu(PointwiseLoss::kBce, 1, 2, &u, &i, &one, user.data(), item0.data(), 1.0f,
                                           hu.data(), hi.data());
  EXPECT_NEAR(loss, std::log(2.0), 1e-15);
  EXPECT_EQ(hu, (std::vector<float>{-1.0f, 0.5f}));
  EXPECT_EQ(hi, (std::vector<float>{-0.5f, -1.0f}));
}

TEST(PointwiseLoss, BceIsStableAtLargeScores) {
  const std::vector<float> user = {10.0f}, items = {10.0f, -10.0f};  // s = 100 and -100
  const std::vector<int32_t> u = {0, 0}, i = {0, 1};
  const std::vector<float> y = {0.0f, 1.0f};  // both examples are wrong by 100
  std::vector<float> gu(1, 0.0f), gi(2, 0.0f);
  const double loss = kernels::pointwise_loss_fused_cpu(PointwiseLoss::kBce, 2, 1, u.data(), i.data(), y.data(),
                                                        user.data(), items.data(), 1.0f, gu.data(), gi.data());
  EXPECT_NEAR(loss, 100.0, 1e-12);
  // dloss/ds = +-1 / 2: grad_user = (1 * 10 + (-1) * (-10)) / 2 = 10.
  EXPECT_FLOAT_EQ(gu[0], 10.0f);
  EXPECT_FLOAT_EQ(gi[0], 5.0f);
  EXPECT_FLOAT_EQ(gi[1], -5.0f);
}

struct Problem {
  int64_t users = 5, items = 7, d = 6, batch = 11;
  std::vector<float> user_rep, item_rep, targets;
  std::vector<int32_t> u, i;
};

Problem make_problem(uint64_t seed, int64_t batch, PointwiseLoss kind) {
  Problem pr;
  pr.batch = batch;
  pr.user_rep = testing::random_dense(pr.users * pr.d, seed);
  pr.item_rep = testing::random_dense(pr.items * pr.d, seed + 1);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> rating(0.0f, 2.0f);
  for (int64_t b = 0; b < batch; ++b) {
    pr.u.push_back(static_cast<int32_t>(rng() % pr.users));
    pr.i.push_back(static_cast<int32_t>(rng() % pr.items));
    pr.targets.push_back(kind == PointwiseLoss::kMse ? rating(rng) : static_cast<float>(rng() % 2));
  }
  if (batch >= 4) {  // the same user twice, the same (user, item) example twice
    pr.u[1] = pr.u[0];
    pr.u[3] = pr.u[2];
    pr.i[3] = pr.i[2];
  }
  return pr;
}

double loss64(PointwiseLoss kind, const Problem& pr, const std::vector<double>& ur, const std::vector<double>& ir,
              double weight) {
  double total = 0;
  for (int64_t b = 0; b < pr.batch; ++b) {
    double s = 0;
    for (int64_t j = 0; j < pr.d; ++j) s += ur[pr.u[b] * pr.d + j] * ir[pr.i[b] * pr.d + j];
    const double y = pr.targets[b];
    total += kind == PointwiseLoss::kMse ? (s - y) * (s - y) : std::log1p(std::exp(s)) - y * s;
  }
  return weight * total / static_cast<double>(pr.batch);
}

class PointwiseLossKinds : public ::testing::TestWithParam<PointwiseLoss> {};

TEST_P(PointwiseLossKinds, LossAndGradientsMatchFiniteDifferences) {
  const PointwiseLoss kind = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const int64_t batch : {1, 11}) {
    const Problem pr = make_problem(seed, batch, kind);
    const float weight = 0.7f;
    std::vector<float> gu(pr.user_rep.size(), 0.0f), gi(pr.item_rep.size(), 0.0f);
    const double loss =
        kernels::pointwise_loss_fused_cpu(kind, pr.batch, pr.d, pr.u.data(), pr.i.data(), pr.targets.data(),
                                          pr.user_rep.data(), pr.item_rep.data(), weight, gu.data(), gi.data());
    std::vector<double> ur = testing::to_double(pr.user_rep), ir = testing::to_double(pr.item_rep);
    // The CPU op scores in float64 too: only float32 inputs are shared, so 1e-12.
    EXPECT_NEAR(loss, loss64(kind, pr, ur, ir, weight), 1e-12 * (1 + loss));
    const auto f = [&] { return loss64(kind, pr, ur, ir, weight); };
    // Gradient entries are O(1) sums of float32 products (a few ulp, ~1e-7); the
    // central difference's truncation error is ~h^2 |f'''| ~ 1e-11, its rounding ~1e-10.
    EXPECT_TRUE(testing::matches_finite_differences(ur, gu, f, 1e-6, 1e-6, "user_rep")) << "batch " << batch;
    EXPECT_TRUE(testing::matches_finite_differences(ir, gi, f, 1e-6, 1e-6, "item_rep")) << "batch " << batch;
  }
}

std::string kind_name(const ::testing::TestParamInfo<PointwiseLoss>& p) {
  return p.param == PointwiseLoss::kMse ? "Mse" : "Bce";
}

INSTANTIATE_TEST_SUITE_P(Kinds, PointwiseLossKinds, ::testing::Values(PointwiseLoss::kMse, PointwiseLoss::kBce),
                         kind_name);

TEST(PointwiseLoss, EmptyBatchIsZero) {
  EXPECT_EQ(kernels::pointwise_loss_fused_cpu(PointwiseLoss::kMse, 0, 4, nullptr, nullptr, nullptr, nullptr, nullptr,
                                              1.0f, nullptr, nullptr),
            0.0);
}

}  // namespace
}  // namespace mmgraph
