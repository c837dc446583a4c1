// LightGCN propagation: forward against float64 math, backward against central
// finite differences of a float64 reference of the forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/graph_build.h"
#include "kernels/lightgcn.h"
#include "support/random_inputs.h"
#include "support/row_block.h"

namespace mmgraph {
namespace {

// out = mean_{l=0..L} A^l x in float64.
std::vector<double> forward_reference(const kernels::CsrHost& a, int64_t d, int layers, const std::vector<double>& x0) {
  std::vector<double> cur = x0, out = x0;
  for (int l = 1; l <= layers; ++l) {
    std::vector<double> next(cur.size(), 0.0);
    for (int64_t r = 0; r < a.n_rows; ++r)
      for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
        for (int64_t j = 0; j < d; ++j) next[r * d + j] += a.val[k] * cur[a.col[k] * d + j];
    for (size_t e = 0; e < out.size(); ++e) out[e] += next[e];
    cur.swap(next);
  }
  for (double& v : out) v /= layers + 1;
  return out;
}

// A small LightGCN graph: users x items bipartite adjacency from a random CSR.
kernels::CsrHost random_adjacency(uint64_t seed, int32_t users, int32_t items) {
  const auto r = testing::random_csr(users, items, 3, seed);
  return kernels::normalized_bipartite_adjacency_cpu(users, items, r.row_ptr.data(), r.col.data());
}

class LightGcnTest : public ::testing::TestWithParam<int> {};

TEST_P(LightGcnTest, ForwardMatchesFloat64) {
  const int layers = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_adjacency(seed, 37, 29);
  const int64_t n = a.n_rows, d = 12;
  const auto x0 = testing::random_dense(n * d, seed + 1);
  std::vector<float> out(x0.size(), std::nanf("")), work(2 * x0.size());
  kernels::lightgcn_forward_cpu(a.view(), d, layers, x0.data(), out.data(), work.data());
  const auto ref = forward_reference(a, d, layers, std::vector<double>(x0.begin(), x0.end()));
  // Entries of Â are <= 1 and rows have a handful of terms: float32 error ~1e-6.
  for (size_t e = 0; e < ref.size(); ++e) ASSERT_NEAR(out[e], ref[e], 2e-6) << e;
}

TEST_P(LightGcnTest, BackwardMatchesFiniteDifferences) {
  const int layers = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_adjacency(seed, 11, 7);
  for (const int64_t d : {5, 16}) {  // the general SpMM row and the register-accumulated one
    SCOPED_TRACE("d " + std::to_string(d));
    const int64_t n = a.n_rows;
    const auto x0f = testing::random_dense(n * d, seed + 1);
    const auto weights = testing::random_dense(n * d, seed + 2);  // loss = sum(W * out)
    std::vector<double> x0(x0f.begin(), x0f.end());
    auto loss = [&](const std::vector<double>& x) {
      const auto out = forward_reference(a, d, layers, x);
      double s = 0;
      for (size_t e = 0; e < out.size(); ++e) s += weights[e] * out[e];
      return s;
    };
    // Backward ADDS into grad_x0: start from a known offset.
    std::vector<float> grad(x0.size(), 0.25f), work(2 * x0.size()), grad_out = weights;
    kernels::lightgcn_backward_cpu(a.view(), d, layers, grad_out.data(), grad.data(), work.data());
    ASSERT_EQ(grad_out, weights) << "without rows, grad_out is only read";
    const double h = 1e-4;
    for (size_t e = 0; e < x0.size(); ++e) {
      std::vector<double> xp = x0, xm = x0;
      xp[e] += h;
      xm[e] -= h;
      const double fd = (loss(xp) - loss(xm)) / (2 * h);
      ASSERT_NEAR(grad[e] - 0.25, fd, 1e-5) << "element " << e;
    }
  }
}

TEST_P(LightGcnTest, BatchRowHintsGiveTheFullPassesBitsThere) {
  // A training step asks the forward for the rows its loss reads: those rows must be exactly the
  // full forward's. Its dX is zero outside them: told so, the backward must give the full
  // backward's values and leave dX all zero for the next step. (Width 16 runs the
  // register-accumulated SpMM row, 12 the general one.)
  const int layers = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_adjacency(seed, 41, 23);
  const int64_t n = a.n_rows;
  // Users and items, not in order (a batch lists its users, then its positives, then the rest).
  const std::vector<int32_t> rows = {3, 17, 40, 0, 4, 50, static_cast<int32_t>(n - 1), 41};
  const auto n_rows = static_cast<int64_t>(rows.size());
  for (const int64_t d : {16, 12}) {
    SCOPED_TRACE("d " + std::to_string(d));
    const auto x0 = testing::random_dense(n * d, seed + d);
    std::vector<float> full(x0.size()), part(x0.size(), std::nanf("")), work(2 * x0.size());
    kernels::lightgcn_forward_cpu(a.view(), d, layers, x0.data(), full.data(), work.data());
    const auto ref = forward_reference(a, d, layers, std::vector<double>(x0.begin(), x0.end()));
    for (size_t e = 0; e < ref.size(); ++e) ASSERT_NEAR(full[e], ref[e], 2e-6) << "element " << e;
    kernels::lightgcn_forward_cpu(a.view(), d, layers, x0.data(), part.data(), work.data(), rows.data(), n_rows);
    for (const int32_t r : rows)
      for (int64_t j = 0; j < d; ++j) ASSERT_EQ(part[r * d + j], full[r * d + j]) << "forward row " << r << " col " << j;

    std::vector<float> g(x0.size(), 0.0f);  // dX: x0's values at the rows, zero elsewhere
    for (const int32_t r : rows) std::copy(x0.begin() + r * d, x0.begin() + (r + 1) * d, g.begin() + r * d);
    const auto grad0 = testing::random_dense(n * d, seed + d + 1);
    std::vector<float> g_full = g, grad_full = grad0, grad_part = grad0;
    kernels::lightgcn_backward_cpu(a.view(), d, layers, g_full.data(), grad_full.data(), work.data());
    kernels::lightgcn_backward_cpu(a.view(), d, layers, g.data(), grad_part.data(), work.data(), rows.data(), n_rows);
    for (size_t e = 0; e < grad_full.size(); ++e) ASSERT_EQ(grad_part[e], grad_full[e]) << "backward element " << e;
    for (size_t e = 0; e < g.size(); ++e) ASSERT_EQ(g[e], 0.0f) << "dX element " << e << " not cleared";
  }
}

// The rows `rows` of a table of width d.
std::vector<float> rows_of(const std::vector<float>& t, const std::vector<int64_t>& rows, int64_t d) {
  std::vector<float> out;
  for (const int64_t r : rows) out.insert(out.end(), t.begin() + r * d, t.begin() + (r + 1) * d);
  return out;
}

// The layer ops over the row blocks of a split graph, each reading its halo rows from the others'
// previous layer, give the fused ops' bits at every row: a sharded propagation equals one process's.
TEST_P(LightGcnTest, LayerOpsOverRowBlocksGiveTheFusedBits) {
  const int layers = GetParam();
  if (layers == 0) GTEST_SKIP() << "no layer to split";
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = random_adjacency(seed, 53, 41);
  const int64_t n = a.n_rows;
  for (const int64_t d : {7, 16, 64}) {  // the general SpMM row and the register-accumulated ones
    SCOPED_TRACE("d " + std::to_string(d));
    const auto x0 = testing::random_dense(n * d, seed + 1);
    const auto g0 = testing::random_dense(n * d, seed + 2);
    const auto grad_init = testing::random_dense(n * d, seed + 3);
    std::vector<float> out(n * d), work(2 * n * d), g = g0, grad = grad_init;
    kernels::lightgcn_forward_cpu(a.view(), d, layers, x0.data(), out.data(), work.data());
    kernels::lightgcn_backward_cpu(a.view(), d, layers, g.data(), grad.data(), work.data());

    // Three blocks, one of them empty (a process with no rows of this kind).
    const std::vector<int64_t> bounds{0, 19, 19, n};
    std::vector<testing::RowBlock> blocks;
    for (size_t p = 0; p + 1 < bounds.size(); ++p) blocks.push_back(testing::row_block_with_halo(a, bounds[p], bounds[p + 1]));
    std::vector<float> split_out(n * d), split_grad = grad_init, cur = x0, h = g0;
    for (int l = 1; l <= layers; ++l) {
      std::vector<float> next_fwd(n * d), next_bwd(n * d);
      for (size_t p = 0; p < blocks.size(); ++p) {
        const testing::RowBlock& b = blocks[p];
        const int64_t first = bounds[p];
        const auto cur_local = rows_of(cur, b.rows, d), h_local = rows_of(h, b.rows, d);
        kernels::lightgcn_layer_forward_cpu(b.local.view(), d, l, layers, x0.data() + first * d, cur_local.data(),
                                            l == layers ? nullptr : next_fwd.data() + first * d,
                                            split_out.data() + first * d);
        float* dst = l == layers ? split_grad.data() + first * d : next_bwd.data() + first * d;
        kernels::lightgcn_layer_backward_cpu(b.local.view(), d, l, layers, g0.data() + first * d, h_local.data(), dst);
      }
      cur.swap(next_fwd);
      h.swap(next_bwd);
    }
    EXPECT_EQ(0, std::memcmp(out.data(), split_out.data(), out.size() * sizeof(float))) << "forward";
    EXPECT_EQ(0, std::memcmp(grad.data(), split_grad.data(), grad.size() * sizeof(float))) << "backward";
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, LightGcnTest, ::testing::Values(0, 1, 2, 3, 4));

}  // namespace
}  // namespace mmgraph
