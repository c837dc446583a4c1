// Fine-grained (component-level) attention on the CPU: the pairs-by-item CSR, the forward pass
// against a float64 re-implementation, and the backward against float64 central finite
// differences of sum(dz * z) with a random dz, gradients checked as ADDED (the buffers start
// non-zero). Widths that are not multiples of 32, items without components, items with every
// component, several pairs per item, and padding rows holding NaN (never read). Tolerances as in
// dense_ops_test.cpp: the float32 op sums a few dozen products, ~1e-6 relative to float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/component_attention.h"
#include "support/finite_difference.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::matches_finite_differences;
using testing::random_dense;
using testing::to_double;

constexpr double kStep = 1e-6, kGradTol = 1e-4;

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// A batch of P pairs over K items with N component slots of width d.
struct Case {
  int64_t pairs, items, n_max, d;
  std::vector<int32_t> item, count;
  std::vector<int64_t> item_pair_ptr;
  std::vector<int32_t> item_pairs;
  Case(int64_t p, int64_t k, int64_t n, int64_t width, uint64_t seed) : pairs(p), items(k), n_max(n), d(width) {
    std::mt19937_64 rng(seed);
    for (int64_t e = 0; e < p; ++e)  // item 0 takes about a third of the pairs
      item.push_back(static_cast<int32_t>(e % 3 == 0 ? 0 : rng() % k));
    // Item 1 has no component, item 2 all N; the others at least 2 when N allows (one component
    // gives the query no gradient).
    for (int64_t e = 0; e < k; ++e)
      count.push_back(static_cast<int32_t>(e == 1 ? 0 : e == 2 || n == 1 ? n : 2 + rng() % (n - 1)));
    item_pair_ptr.resize(static_cast<size_t>(k + 1));
    item_pairs.resize(static_cast<size_t>(p));
    kernels::component_pairs_by_item(p, item.data(), k, item_pair_ptr.data(), item_pairs.data());
  }
  kernels::ComponentPairs view() const {
    return {pairs, item.data(), items, item_pair_ptr.data(), item_pairs.data()};
  }
  // Components with NaN in every padding row.
  std::vector<double> components(uint64_t seed) const {
    std::vector<double> x = to_double(random_dense(items * n_max * d, seed));
    for (int64_t k = 0; k < items; ++k)
      for (int64_t c = count[k]; c < n_max; ++c)
        for (int64_t j = 0; j < d; ++j) x[(k * n_max + c) * d + j] = std::numeric_limits<double>::quiet_NaN();
    return x;
  }
};

// float64 z [P x d] of the header's formulas.
std::vector<double> attention64(const Case& t, const std::vector<double>& q, const std::vector<double>& x) {
  std::vector<double> z(static_cast<size_t>(t.pairs * t.d), 0.0);
  for (int64_t p = 0; p < t.pairs; ++p) {
    const int64_t k = t.item[p], n = t.count[k];
    std::vector<double> s(static_cast<size_t>(n));
    double most = -INFINITY, sum = 0;
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t j = 0; j < t.d; ++j) s[c] += q[p * t.d + j] * x[(k * t.n_max + c) * t.d + j];
      s[c] /= std::sqrt(static_cast<double>(t.d));
      most = std::max(most, s[c]);
    }
    for (int64_t c = 0; c < n; ++c) sum += std::exp(s[c] - most);
    for (int64_t c = 0; c < n; ++c)
      for (int64_t j = 0; j < t.d; ++j)
        z[p * t.d + j] += std::exp(s[c] - most) / sum * x[(k * t.n_max + c) * t.d + j];
  }
  return z;
}

TEST(ComponentAttention, PairsByItemListEachItemsPairsAscending) {
  const std::vector<int32_t> item = {2, 0, 2, 3, 0, 2};
  std::vector<int64_t> ptr(5);
  std::vector<int32_t> pairs(6);
  kernels::component_pairs_by_item(6, item.data(), 4, ptr.data(), pairs.data());
  EXPECT_EQ(ptr, (std::vector<int64_t>{0, 2, 2, 5, 6}));
  EXPECT_EQ(pairs, (std::vector<int32_t>{1, 4, 0, 2, 5, 3}));
}

TEST(ComponentAttention, ForwardAndBackwardAgainstFloat64) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (auto [p, k, n, d] : {std::tuple<int64_t, int64_t, int64_t, int64_t>{9, 4, 5, 3}, {13, 5, 3, 33}, {6, 3, 1, 7}}) {
    SCOPED_TRACE("P " + std::to_string(p) + ", K " + std::to_string(k) + ", N " + std::to_string(n) + ", d " +
                 std::to_string(d));
    const Case t(p, k, n, d, seed);
    std::vector<double> q = to_double(random_dense(p * d, seed + 1)), x = t.components(seed + 2);
    const std::vector<double> dz = to_double(random_dense(p * d, seed + 3));
    std::vector<float> a(static_cast<size_t>(p * n), -1.0f), z(static_cast<size_t>(p * d), -1.0f);
    const std::vector<float> xf = to_float(x), qf = to_float(q);
    kernels::component_attention_forward_cpu(t.view(), n, d, t.count.data(), qf.data(), xf.data(), a.data(), z.data());
    const std::vector<double> want = attention64(t, q, x);
    for (size_t e = 0; e < z.size(); ++e) EXPECT_NEAR(z[e], want[e], 2e-4 + 1e-3 * std::fabs(want[e])) << "z " << e;
    for (int64_t e = 0; e < p; ++e) {
      const int64_t items_n = t.count[t.item[e]];
      double sum = 0;
      for (int64_t c = 0; c < n; ++c) {
        if (c >= items_n) {
          EXPECT_EQ(a[e * n + c], 0.0f) << "pair " << e << " padding " << c;
        }
        sum += a[e * n + c];
      }
      EXPECT_NEAR(sum, items_n ? 1.0 : 0.0, 1e-6) << "pair " << e;
    }
    const std::vector<float> dq0 = random_dense(p * d, seed + 4), dx0 = random_dense(k * n * d, seed + 5);
    std::vector<float> dq = dq0, dx = dx0;
    kernels::component_attention_backward_cpu(t.view(), n, d, t.count.data(), qf.data(), xf.data(), a.data(),
                                              z.data(), to_float(dz).data(), dq.data(), dx.data());
    for (size_t e = 0; e < dq.size(); ++e) dq[e] -= dq0[e];
    for (size_t e = 0; e < dx.size(); ++e) dx[e] -= dx0[e];
    for (int64_t i = 0; i < k; ++i)  // padding rows untouched
      for (int64_t c = t.count[i]; c < n; ++c)
        for (int64_t j = 0; j < d; ++j) ASSERT_EQ(dx[(i * n + c) * d + j], 0.0f) << "item " << i << " padding " << c;
    auto loss = [&] {
      const std::vector<double> zz = attention64(t, q, x);
      double s = 0;
      for (size_t e = 0; e < zz.size(); ++e) s += dz[e] * zz[e];
      return s;
    };
    EXPECT_TRUE(matches_finite_differences(x, dx, loss, kStep, kGradTol, "dx"));
    if (n == 1) {  // the softmax over one component is 1 whatever the score: q gets no gradient
      for (float v : dq) EXPECT_EQ(v, 0.0f);
      continue;
    }
    EXPECT_TRUE(matches_finite_differences(q, dq, loss, kStep, kGradTol, "dq"));
  }
}

// One component: the softmax is 1 whatever the score, so z is that component.
TEST(ComponentAttention, OneComponentIsTheComponentItself) {
  const Case t(4, 2, 1, 5, 3);
  const std::vector<float> q = random_dense(4 * 5, 1), x = random_dense(2 * 5, 2);
  const std::vector<int32_t> one = {1, 1};
  std::vector<float> a(4), z(4 * 5);
  kernels::component_attention_forward_cpu(t.view(), 1, 5, one.data(), q.data(), x.data(), a.data(), z.data());
  for (int64_t p = 0; p < 4; ++p)
    for (int64_t j = 0; j < 5; ++j) EXPECT_FLOAT_EQ(z[p * 5 + j], x[t.item[p] * 5 + j]);
}

}  // namespace
}  // namespace mmgraph
