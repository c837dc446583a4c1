// Dense modality ops on the CPU: the dense layer, the sigmoid gate, modality
// attention and row L2 normalisation, forward against float64 re-implementations
// and every backward against float64 central finite differences of the scalar
// loss sum(dz * z) with a random dz. Gradients are checked as ADDED (the buffers
// start non-zero). Tolerances: the float32 ops sum a few dozen products, so
// they agree with float64 to ~1e-6 relative; 2e-4 absolute + 1e-3 relative bounds it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/l2_normalize.h"
#include "kernels/linear.h"
#include "kernels/modality_attention.h"
#include "kernels/sigmoid_gate.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::matches_finite_differences;
using testing::random_dense;
using testing::to_double;

constexpr double kStep = 1e-6, kGradTol = 1e-4;

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

void expect_close(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t e = 0; e < got.size(); ++e)
    EXPECT_NEAR(got[e], want[e], 2e-4 + 1e-3 * std::fabs(want[e])) << what << " element " << e;
}

// float64 dense layer: y = x w + b.
std::vector<double> linear64(int64_t n, int64_t in, int64_t out, const std::vector<double>& x,
                             const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<double> y(static_cast<size_t>(n * out));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < out; ++c) {
      double s = b.empty() ? 0.0 : b[c];
      for (int64_t k = 0; k < in; ++k) s += x[r * in + k] * w[k * out + c];
      y[r * out + c] = s;
    }
  return y;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t e = 0; e < a.size(); ++e) s += a[e] * b[e];
  return s;
}

TEST(DenseOps, LinearForwardAndBackward) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (auto [n, in, out] : {std::tuple<int64_t, int64_t, int64_t>{7, 5, 3}, {1, 13, 6}, {33, 4, 9}, {40, 6, 37}}) {
    std::vector<double> x = to_double(random_dense(n * in, seed)), w = to_double(random_dense(in * out, seed + 1)),
                        b = to_double(random_dense(out, seed + 2));
    const std::vector<double> dy = to_double(random_dense(n * out, seed + 3));
    std::vector<float> y(static_cast<size_t>(n * out));
    kernels::linear_forward_cpu(n, in, out, to_float(x).data(), to_float(w).data(), to_float(b).data(), y.data());
    expect_close(y, linear64(n, in, out, x, w, b), "y");
    // Gradients added onto non-zero buffers: compare the increments.
    const std::vector<float> dx0 = random_dense(n * in, seed + 4), dw0 = random_dense(in * out, seed + 5),
                             db0 = random_dense(out, seed + 6);
    std::vector<float> dx = dx0, dw = dw0, db = db0;
    kernels::linear_backward_cpu(n, in, out, to_float(x).data(), to_float(w).data(), to_float(dy).data(), dx.data(),
                                 dw.data(), db.data());
    for (size_t e = 0; e < dx.size(); ++e) dx[e] -= dx0[e];
    for (size_t e = 0; e < dw.size(); ++e) dw[e] -= dw0[e];
    for (size_t e = 0; e < db.size(); ++e) db[e] -= db0[e];
    auto loss = [&] { return dot(dy, linear64(n, in, out, x, w, b)); };
    EXPECT_TRUE(matches_finite_differences(x, dx, loss, kStep, kGradTol, "dx"));
    EXPECT_TRUE(matches_finite_differences(w, dw, loss, kStep, kGradTol, "dw"));
    EXPECT_TRUE(matches_finite_differences(b, db, loss, kStep, kGradTol, "db"));
  }
}

TEST(DenseOps, LinearWithoutBiasAndEmpty) {
  const std::vector<float> x = {1, 2, 3, 4}, w = {0.5f, -1.0f};
  std::vector<float> y(2, 7.0f);
  kernels::linear_forward_cpu(2, 2, 1, x.data(), w.data(), nullptr, y.data());
  EXPECT_FLOAT_EQ(y[0], 1 * 0.5f - 2.0f);
  EXPECT_FLOAT_EQ(y[1], 3 * 0.5f - 4.0f);
  kernels::linear_forward_cpu(0, 2, 1, x.data(), w.data(), nullptr, y.data());  // n = 0: nothing to do
  EXPECT_FLOAT_EQ(y[0], -1.5f);
}

double sigmoid64(double z) { return 1.0 / (1.0 + std::exp(-z)); }

TEST(DenseOps, SigmoidGate) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 37;
  std::vector<double> x = to_double(random_dense(n, seed)), pre = to_double(random_dense(n, seed + 1));
  for (double& p : pre) p *= 4;  // both tails of the sigmoid
  const std::vector<double> dout = to_double(random_dense(n, seed + 2));
  std::vector<float> out(static_cast<size_t>(n));
  kernels::sigmoid_gate_forward_cpu(n, to_float(x).data(), to_float(pre).data(), out.data());
  std::vector<double> want(static_cast<size_t>(n));
  for (int64_t e = 0; e < n; ++e) want[e] = x[e] * sigmoid64(pre[e]);
  expect_close(out, want, "out");
  const std::vector<float> dx0 = random_dense(n, seed + 3);
  std::vector<float> dx = dx0, dpre(static_cast<size_t>(n), 9.0f);
  kernels::sigmoid_gate_backward_cpu(n, to_float(x).data(), to_float(pre).data(), to_float(dout).data(), dx.data(),
                                     dpre.data());
  for (int64_t e = 0; e < n; ++e) dx[e] -= dx0[e];
  auto loss = [&] {
    double s = 0;
    for (int64_t e = 0; e < n; ++e) s += dout[e] * x[e] * sigmoid64(pre[e]);
    return s;
  };
  EXPECT_TRUE(matches_finite_differences(x, dx, loss, kStep, kGradTol, "dx"));
  EXPECT_TRUE(matches_finite_differences(pre, dpre, loss, kStep, kGradTol, "dpre (overwritten)"));
}

// float64 attention: returns z; h [m x n x d].
std::vector<double> attention64(int64_t n, int64_t d, int m, const std::vector<double>& h, const std::vector<double>& P,
                                const std::vector<double>& p, const std::vector<double>& q) {
  std::vector<double> z(static_cast<size_t>(n * d), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> s(static_cast<size_t>(m));
    double top = -1e300, total = 0;
    for (int j = 0; j < m; ++j) {
      double sj = 0;
      for (int64_t c = 0; c < d; ++c) {
        double pre = p[c];
        for (int64_t k = 0; k < d; ++k) pre += h[(j * n + i) * d + k] * P[k * d + c];
        sj += q[c] * std::tanh(pre);
      }
      s[j] = sj;
      top = std::max(top, sj);
    }
    for (int j = 0; j < m; ++j) total += (s[j] = std::exp(s[j] - top));
    for (int j = 0; j < m; ++j)
      for (int64_t c = 0; c < d; ++c) z[i * d + c] += s[j] / total * h[(j * n + i) * d + c];
  }
  return z;
}

TEST(DenseOps, ModalityAttentionForwardAndBackward) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (auto [n, d, m] : {std::tuple<int64_t, int64_t, int>{5, 3, 2}, {1, 7, 3}, {9, 4, 1}}) {
    std::vector<double> h = to_double(random_dense(m * n * d, seed)), P = to_double(random_dense(d * d, seed + 1)),
                        p = to_double(random_dense(d, seed + 2)), q = to_double(random_dense(d, seed + 3));
    const std::vector<double> dz = to_double(random_dense(n * d, seed + 4));
    std::vector<float> t(static_cast<size_t>(m * n * d)), a(static_cast<size_t>(n * m)), z(static_cast<size_t>(n * d));
    kernels::modality_attention_forward_cpu(n, d, m, to_float(h).data(), to_float(P).data(), to_float(p).data(),
                                            to_float(q).data(), t.data(), a.data(), z.data());
    expect_close(z, attention64(n, d, m, h, P, p, q), "z");
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int j = 0; j < m; ++j) sum += a[i * m + j];
      EXPECT_NEAR(sum, 1.0, 1e-6) << "softmax row " << i;
    }
    const std::vector<float> dh0 = random_dense(m * n * d, seed + 5), dP0 = random_dense(d * d, seed + 6),
                             dp0 = random_dense(d, seed + 7), dq0 = random_dense(d, seed + 8);
    std::vector<float> dh = dh0, dP = dP0, dp = dp0, dq = dq0;
    std::vector<float> work(static_cast<size_t>(kernels::modality_attention_work_floats(n, d, m)));
    kernels::modality_attention_backward_cpu(n, d, m, to_float(h).data(), to_float(P).data(), to_float(q).data(),
                                             t.data(), a.data(), to_float(dz).data(), dh.data(), dP.data(), dp.data(),
                                             dq.data(), work.data());
    auto minus = [](std::vector<float>& g, const std::vector<float>& g0) {
      for (size_t e = 0; e < g.size(); ++e) g[e] -= g0[e];
    };
    minus(dh, dh0);
    minus(dP, dP0);
    minus(dp, dp0);
    minus(dq, dq0);
    auto loss = [&] { return dot(dz, attention64(n, d, m, h, P, p, q)); };
    EXPECT_TRUE(matches_finite_differences(h, dh, loss, kStep, kGradTol, "dh"));
    if (m == 1) {
      // The softmax over one modality is 1 whatever the scores: P, p and q get no gradient.
      for (const std::vector<float>* g : {&dP, &dp, &dq})
        for (float v : *g) EXPECT_EQ(v, 0.0f);
      continue;
    }
    EXPECT_TRUE(matches_finite_differences(P, dP, loss, kStep, kGradTol, "dP"));
    EXPECT_TRUE(matches_finite_differences(p, dp, loss, kStep, kGradTol, "dp"));
    EXPECT_TRUE(matches_finite_differences(q, dq, loss, kStep, kGradTol, "dq"));
  }
}

TEST(DenseOps, AttentionOfOneModalityIsTheIdentity) {
  const int64_t n = 4, d = 3;
  const std::vector<float> h = random_dense(n * d, 3), P = random_dense(d * d, 4), p = random_dense(d, 5),
                           q = random_dense(d, 6);
  std::vector<float> t(static_cast<size_t>(n * d)), a(static_cast<size_t>(n)), z(static_cast<size_t>(n * d));
  kernels::modality_attention_forward_cpu(n, d, 1, h.data(), P.data(), p.data(), q.data(), t.data(), a.data(), z.data());
  for (float w : a) EXPECT_FLOAT_EQ(w, 1.0f);
  EXPECT_EQ(z, h);
}

TEST(DenseOps, L2NormalizeForwardAndBackward) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 6, d = 5;
  std::vector<double> x = to_double(random_dense(n * d, seed));
  const std::vector<double> dy = to_double(random_dense(n * d, seed + 1));
  auto forward64 = [&] {
    std::vector<double> y(x.size());
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) s += x[i * d + c] * x[i * d + c];
      const double r = std::max(std::sqrt(s), 1e-12);
      for (int64_t c = 0; c < d; ++c) y[i * d + c] = x[i * d + c] / r;
    }
    return y;
  };
  std::vector<float> y(x.size());
  kernels::l2_normalize_rows_forward_cpu(n, d, to_float(x).data(), y.data());
  expect_close(y, forward64(), "y");
  const std::vector<float> dx0 = random_dense(n * d, seed + 2);
  std::vector<float> dx = dx0;
  kernels::l2_normalize_rows_backward_cpu(n, d, to_float(x).data(), y.data(), to_float(dy).data(), dx.data());
  for (size_t e = 0; e < dx.size(); ++e) dx[e] -= dx0[e];
  EXPECT_TRUE(matches_finite_differences(x, dx, [&] { return dot(dy, forward64()); }, kStep, kGradTol, "dx"));
}

TEST(DenseOps, L2NormalizeOfAZeroRowIsZero) {
  const std::vector<float> x(4, 0.0f);
  std::vector<float> y(4, 1.0f);
  kernels::l2_normalize_rows_forward_cpu(1, 4, x.data(), y.data());
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace mmgraph
