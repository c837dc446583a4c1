// GPU SpMM and LightGCN propagation against the CPU references: random sizes,
// widths that are not multiples of 32 (and not of 4), empty rows, power-law
// rows with a hub of up to 10^5 non-zeros (split over many chunks), the scalar
// path forced by a misaligned input; and bit-identical repeats.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/graph_build.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm.h"
#include "support/random_inputs.h"
#include "support/row_block.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

struct SpmmCase {
  int64_t rows, cols, d;
  double mean_degree;
  int64_t hub_len;
  bool misaligned_x = false;  // x starts 4 bytes past an allocation: no float4 loads
};

void PrintTo(const SpmmCase& c, std::ostream* os) {
  *os << c.rows << "x" << c.cols << " d=" << c.d << " deg=" << c.mean_degree << " hub=" << c.hub_len
      << (c.misaligned_x ? " misaligned" : "");
}

class SpmmGpuTest : public ::testing::TestWithParam<SpmmCase> {};

TEST_P(SpmmGpuTest, MatchesCpuReferenceAndRepeatsBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const SpmmCase c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto a = testing::random_csr(c.rows, c.cols, c.mean_degree, seed, c.rows > 1 ? 1 : -1, c.hub_len);
  const auto x = testing::random_dense(c.cols * c.d, seed + 1);
  std::vector<float> ref(static_cast<size_t>(c.rows * c.d));
  kernels::spmm_csr_cpu(a.view(), c.d, x.data(), ref.data());
  // Magnitude sum |a_rk x_kj| per element: float sums in any order stay within
  // ~sqrt(terms) eps of it; 1e-4 covers 10^5 terms with room to spare.
  std::vector<float> magnitude(ref.size(), 0.0f);
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k)
      for (int64_t j = 0; j < c.d; ++j) magnitude[r * c.d + j] += std::fabs(a.val[k] * x[a.col[k] * c.d + j]);

  DeviceArray<int64_t> rp(a.row_ptr);
  DeviceArray<int32_t> col(a.col);
  DeviceArray<float> val(a.val);
  std::vector<float> x_padded(x.size() + 1);
  std::copy(x.begin(), x.end(), x_padded.begin() + 1);
  DeviceArray<float> dx(c.misaligned_x ? x_padded : x);
  const float* x_dev = dx.get() + (c.misaligned_x ? 1 : 0);
  const kernels::CsrView view{a.n_rows, a.n_cols, static_cast<int64_t>(a.col.size()), rp.get(), col.get(), val.get()};
  detail::DeviceBuffer<char> scratch(kernels::spmm_csr_cuda_scratch_bytes(view, c.d), "test scratch");
  std::vector<float> first;
  for (int run = 0; run < 2; ++run) {
    auto y = DeviceArray<float>::poisoned(ref.size());
    kernels::spmm_csr_cuda(view, c.d, x_dev, y.get(), scratch.get(), nullptr);
    const auto got = y.host();
    if (run == 0) {
      EXPECT_TRUE(testing::all_close(got, ref, 1e-6, 1e-4, "spmm", &magnitude));
      first = got;
    } else {
      EXPECT_TRUE(testing::bit_identical(got, first, "spmm second run"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SpmmGpuTest,
    ::testing::Values(SpmmCase{0, 10, 64, 2, 0}, SpmmCase{1, 1, 1, 1, 1}, SpmmCase{31, 33, 32, 4, 20},
                      SpmmCase{33, 31, 36, 3, 31}, SpmmCase{1007, 517, 64, 8, 517},
                      SpmmCase{1007, 517, 64, 8, 517, true}, SpmmCase{1007, 517, 100, 8, 300},
                      SpmmCase{513, 1000, 256, 9, 1000}, SpmmCase{513, 1000, 256, 9, 1000, true},
                      SpmmCase{700, 300, 13, 5, 300}, SpmmCase{50, 40, 4, 0.05, 0}, SpmmCase{300, 200, 1024, 6, 200},
                      SpmmCase{2000, 100007, 64, 6, 100000}, SpmmCase{2000, 100007, 32, 6, 100000}));

// LightGCN forward/backward on a user-item graph whose user 3 saw every item
// (a hub row spanning many chunks) and whose items have power-law degrees.
class LightGcnGpuTest : public ::testing::TestWithParam<std::tuple<int, int64_t>> {};

TEST_P(LightGcnGpuTest, ForwardAndBackwardMatchCpuAndRepeatBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const auto [layers, d] = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " layers " + std::to_string(layers) + " d " + std::to_string(d));
  const int32_t users = 1001, items = 733;
  const auto r = testing::random_csr(users, items, 12, seed, 3, items);
  const auto adj = kernels::normalized_bipartite_adjacency_cpu(users, items, r.row_ptr.data(), r.col.data());
  const int64_t n = adj.n_rows;
  const auto x0 = testing::random_dense(n * d, seed + 1);
  const auto g = testing::random_dense(n * d, seed + 2);
  const auto grad0 = testing::random_dense(n * d, seed + 3);

  std::vector<float> out(n * d), work(2 * n * d), grad = grad0, g_cpu = g;
  kernels::lightgcn_forward_cpu(adj.view(), d, layers, x0.data(), out.data(), work.data());
  kernels::lightgcn_backward_cpu(adj.view(), d, layers, g_cpu.data(), grad.data(), work.data());

  DeviceArray<int64_t> rp(adj.row_ptr);
  DeviceArray<int32_t> col(adj.col);
  DeviceArray<float> val(adj.val), dx0(x0), dg(g);
  const kernels::CsrView view{adj.n_rows, adj.n_cols, static_cast<int64_t>(adj.col.size()), rp.get(), col.get(), val.get()};
  detail::DeviceBuffer<char> scratch(kernels::spmm_csr_cuda_scratch_bytes(view, d), "test scratch");
  std::vector<float> first_out, first_grad;
  for (int run = 0; run < 2; ++run) {
    auto dout = DeviceArray<float>::poisoned(out.size());
    auto dwork = DeviceArray<float>::poisoned(work.size());
    DeviceArray<float> dgrad(grad0);
    kernels::lightgcn_forward_cuda(view, d, layers, dx0.get(), dout.get(), dwork.get(), scratch.get(), nullptr);
    kernels::lightgcn_backward_cuda(view, d, layers, dg.get(), dgrad.get(), dwork.get(), scratch.get(), nullptr);
    const auto got_out = dout.host(), got_grad = dgrad.host();
    if (run == 0) {
      // Entries of Â are <= 1, rows of Â^l have l1 norm O(1), values O(1): the
      // float reordering error is ~1e-6; 2e-5 + 1e-5 |ref| is a safe bound.
      EXPECT_TRUE(testing::all_close(got_out, out, 2e-5, 1e-5, "forward"));
      EXPECT_TRUE(testing::all_close(got_grad, grad, 2e-5, 1e-5, "backward"));
      first_out = got_out;
      first_grad = got_grad;
    } else {
      EXPECT_TRUE(testing::bit_identical(got_out, first_out, "forward second run"));
      EXPECT_TRUE(testing::bit_identical(got_grad, first_grad, "backward second run"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, LightGcnGpuTest,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values<int64_t>(64, 36, 13)));

// The one-layer ops over a process's row block with halo rows (a run split over processes), on a
// graph with a hub row: a block of 517 user and item rows (not a multiple of 32) and the last 400
// item rows; each layer kind (first, middle, last; forward and backward) against the CPU op.
class LightGcnLayerGpuTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(LightGcnLayerGpuTest, LayerOpsOverARowBlockMatchCpu) {
  MMGRAPH_REQUIRE_GPU();
  const int64_t d = GetParam();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " d " + std::to_string(d));
  const int32_t users = 1001, items = 733;
  const auto r = testing::random_csr(users, items, 12, seed, 3, items);
  const auto adj = kernels::normalized_bipartite_adjacency_cpu(users, items, r.row_ptr.data(), r.col.data());
  for (const auto& [first, end] : {std::pair<int64_t, int64_t>{300, 817}, {adj.n_rows - 400, adj.n_rows}}) {
    const testing::RowBlock b = testing::row_block_with_halo(adj, first, end);
    const int64_t own = b.local.n_rows, all = b.local.n_cols;
    DeviceArray<int64_t> rp(b.local.row_ptr);
    DeviceArray<int32_t> col(b.local.col);
    DeviceArray<float> val(b.local.val);
    const kernels::CsrView view{own, all, static_cast<int64_t>(b.local.col.size()), rp.get(), col.get(), val.get()};
    detail::DeviceBuffer<char> scratch(kernels::spmm_csr_cuda_scratch_bytes(view, d), "test scratch");
    const auto x0 = testing::random_dense(own * d, seed + 1), cur = testing::random_dense(all * d, seed + 2);
    const auto out0 = testing::random_dense(own * d, seed + 3), g = testing::random_dense(own * d, seed + 4);
    DeviceArray<float> dx0(x0), dcur(cur), dg(g);
    const int layers = 3;
    for (int layer = 1; layer <= layers; ++layer) {
      SCOPED_TRACE("layer " + std::to_string(layer));
      const bool last = layer == layers;
      std::vector<float> y(own * d), out = out0, dst = out0;
      kernels::lightgcn_layer_forward_cpu(b.local.view(), d, layer, layers, x0.data(), cur.data(),
                                          last ? nullptr : y.data(), out.data());
      kernels::lightgcn_layer_backward_cpu(b.local.view(), d, layer, layers, g.data(), cur.data(), dst.data());
      auto dy = DeviceArray<float>::poisoned(y.size());
      DeviceArray<float> dout(out0), ddst(out0);
      kernels::lightgcn_layer_forward_cuda(view, d, layer, layers, dx0.get(), dcur.get(), last ? nullptr : dy.get(),
                                           dout.get(), scratch.get(), nullptr);
      kernels::lightgcn_layer_backward_cuda(view, d, layer, layers, dg.get(), dcur.get(), ddst.get(), scratch.get(),
                                            nullptr);
      // As the fused ops' test: float reordering within a row, ~1e-6 on O(1) values.
      EXPECT_TRUE(testing::all_close(dout.host(), out, 2e-5, 1e-5, "forward out"));
      if (!last) {
        EXPECT_TRUE(testing::all_close(dy.host(), y, 2e-5, 1e-5, "forward y"));
      }
      EXPECT_TRUE(testing::all_close(ddst.host(), dst, 2e-5, 1e-5, "backward"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, LightGcnLayerGpuTest, ::testing::Values<int64_t>(64, 13));

}  // namespace
}  // namespace mmgraph
