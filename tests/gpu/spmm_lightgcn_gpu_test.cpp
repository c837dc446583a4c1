// GPU SpMM and LightGCN propagation against the CPU references: random sizes,
// widths that are not multiples of 32 (and not of 4), empty rows, and a
// power-law matrix with a hub row of 10^5 non-zeros.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu/gpu_test_util.h"
#include "kernels/graph_build.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

struct SpmmCase {
  int64_t rows, cols, d;
  double mean_degree;
  int64_t hub_len;
};

void PrintTo(const SpmmCase& c, std::ostream* os) {
  *os << c.rows << "x" << c.cols << " d=" << c.d << " deg=" << c.mean_degree << " hub=" << c.hub_len;
}

class SpmmGpuTest : public ::testing::TestWithParam<SpmmCase> {};

TEST_P(SpmmGpuTest, MatchesCpuReference) {
  MMGRAPH_REQUIRE_GPU();
  const SpmmCase c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = testing::random_csr(c.rows, c.cols, c.mean_degree, seed, c.rows > 1 ? 1 : -1, c.hub_len);
  const auto x = testing::random_dense(c.cols * c.d, seed + 1);
  std::vector<float> ref(static_cast<size_t>(c.rows * c.d));
  kernels::spmm_csr_cpu(a.view(), c.d, x.data(), ref.data());
  // Per-element scale sum |a_rk x_kj|: any summation order is within ~sqrt(n) eps of it.
  std::vector<float> scale(ref.size(), 0.0f);
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
      for (int64_t j = 0; j < c.d; ++j) scale[r * c.d + j] += std::fabs(a.val[k] * x[a.col[k] * c.d + j]);

  DeviceArray<int64_t> rp(a.row_ptr);
  DeviceArray<int32_t> col(a.col);
  DeviceArray<float> val(a.val), dx(x);
  auto y = DeviceArray<float>::poisoned(ref.size());
  const kernels::CsrView view{a.n_rows, a.n_cols, static_cast<int64_t>(a.col.size()), rp.get(), col.get(), val.get()};
  kernels::spmm_csr_cuda(view, c.d, dx.get(), y.get(), nullptr);
  const auto got = y.host();
  for (size_t e = 0; e < ref.size(); ++e) {
    ASSERT_TRUE(std::isfinite(got[e])) << "element " << e << " not written";
    ASSERT_NEAR(got[e], ref[e], 1e-4 * scale[e] + 1e-6) << "element " << e;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SpmmGpuTest,
    ::testing::Values(SpmmCase{0, 10, 64, 2, 0}, SpmmCase{1, 1, 1, 1, 1}, SpmmCase{31, 33, 32, 4, 20},
                      SpmmCase{33, 31, 36, 3, 31}, SpmmCase{1007, 517, 64, 8, 517}, SpmmCase{1007, 517, 100, 8, 300},
                      SpmmCase{513, 1000, 256, 9, 1000}, SpmmCase{700, 300, 13, 5, 300},
                      SpmmCase{2000, 100007, 64, 6, 100000}));

class LightGcnGpuTest : public ::testing::TestWithParam<int> {};

TEST_P(LightGcnGpuTest, ForwardAndBackwardMatchCpu) {
  MMGRAPH_REQUIRE_GPU();
  const int layers = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int32_t users = 1001, items = 733;
  const auto r = testing::random_csr(users, items, 12, seed, 3, items);
  const auto adj = kernels::normalized_bipartite_adjacency_cpu(users, items, r.row_ptr.data(), r.col.data());
  const int64_t n = adj.n_rows, d = 64;
  const auto x0 = testing::random_dense(n * d, seed + 1);
  const auto g = testing::random_dense(n * d, seed + 2);
  const auto grad0 = testing::random_dense(n * d, seed + 3);

  std::vector<float> out(n * d), work(2 * n * d), grad = grad0;
  kernels::lightgcn_forward_cpu(adj.view(), d, layers, x0.data(), out.data(), work.data());
  kernels::lightgcn_backward_cpu(adj.view(), d, layers, g.data(), grad.data(), work.data());

  DeviceArray<int64_t> rp(adj.row_ptr);
  DeviceArray<int32_t> col(adj.col);
  DeviceArray<float> val(adj.val), dx0(x0), dg(g), dgrad(grad0);
  auto dout = DeviceArray<float>::poisoned(out.size());
  auto dwork = DeviceArray<float>::poisoned(work.size());
  const kernels::CsrView view{adj.n_rows, adj.n_cols, static_cast<int64_t>(adj.col.size()), rp.get(), col.get(), val.get()};
  kernels::lightgcn_forward_cuda(view, d, layers, dx0.get(), dout.get(), dwork.get(), nullptr);
  kernels::lightgcn_backward_cuda(view, d, layers, dg.get(), dgrad.get(), dwork.get(), nullptr);
  // Entries of Â are <= 1 and values O(1): float32 reordering error < 1e-5.
  EXPECT_TRUE(testing::all_close(dout.host(), out, 2e-5, 1e-5, "forward"));
  EXPECT_TRUE(testing::all_close(dgrad.host(), grad, 2e-5, 1e-5, "backward"));
}

INSTANTIATE_TEST_SUITE_P(Layers, LightGcnGpuTest, ::testing::Values(0, 1, 2, 3));

}  // namespace
}  // namespace mmgraph
