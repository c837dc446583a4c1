// The rows hint of Device::lightgcn_forward/backward means one thing on every device
// (device.h): the forward's out at the hinted rows equals an unhinted forward's there, bit
// for bit; given a grad_out that is zero outside the hinted rows, the backward adds exactly
// what an unhinted backward adds and leaves grad_out all zero; an unhinted backward leaves
// grad_out as it is. The CUDA case skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "engine/src/device.h"
#include "kernels/graph_build.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

class LightGcnRowsHint : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(LightGcnRowsHint, HintedRowsEqualTheUnhintedPassAndGradOutComesBackZero) {
  const auto& [device, layers] = GetParam();
  if (device == "cuda" && detail::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const std::unique_ptr<detail::Device> dev = detail::select_device(device, true);
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int32_t users = 41, items = 23;
  const auto r = testing::random_csr(users, items, 3, seed);
  const kernels::CsrHost a = kernels::normalized_bipartite_adjacency_cpu(users, items, r.row_ptr.data(), r.col.data());
  const detail::DeviceCsr adj = detail::upload_csr(*dev, a, "adjacency");
  const int64_t n = a.n_rows;
  // Users and items, not in order (a batch lists its users, then its positives, then the rest),
  // and -1s that name no row (a padded batch's, kernels/batch_rows.h).
  const std::vector<int32_t> rows = {3, 17, 40, -1, 0, 4, 50, -1, static_cast<int32_t>(n - 1), 41, -1};
  const auto n_rows = static_cast<int64_t>(rows.size());
  const auto dev_rows = detail::Buffer<int32_t>::from_host(*dev, rows, "rows");
  for (const int64_t d : {16, 12}) {
    SCOPED_TRACE("d " + std::to_string(d));
    const size_t nd = static_cast<size_t>(n * d);
    const auto x0 = detail::Buffer<float>::from_host(*dev, testing::random_dense(n * d, seed + d), "x0");
    detail::Buffer<float> work(*dev, 2 * nd, "work");
    auto full = detail::Buffer<float>::from_host(*dev, std::vector<float>(nd, std::nanf("")), "out");
    auto part = detail::Buffer<float>::from_host(*dev, std::vector<float>(nd, std::nanf("")), "out");
    dev->lightgcn_forward(adj.view, d, layers, x0.data(), full.data(), work.data());
    dev->lightgcn_forward(adj.view, d, layers, x0.data(), part.data(), work.data(), dev_rows.data(), n_rows);
    const std::vector<float> full_h = full.to_host(), part_h = part.to_host();
    for (size_t e = 0; e < nd; ++e) ASSERT_FALSE(std::isnan(full_h[e])) << "unhinted forward left element " << e;
    for (const int32_t row : rows)
      for (int64_t j = 0; j < d && row >= 0; ++j)
        ASSERT_EQ(part_h[row * d + j], full_h[row * d + j]) << "forward row " << row << " col " << j;

    std::vector<float> g(nd, 0.0f);  // dX: the forward's values at the rows, zero elsewhere
    for (const int32_t row : rows)
      if (row >= 0) std::copy(full_h.begin() + row * d, full_h.begin() + (row + 1) * d, g.begin() + row * d);
    const std::vector<float> grad0 = testing::random_dense(n * d, seed + d + 1);
    auto g_full = detail::Buffer<float>::from_host(*dev, g, "dX");
    auto g_part = detail::Buffer<float>::from_host(*dev, g, "dX");
    auto grad_full = detail::Buffer<float>::from_host(*dev, grad0, "dE");
    auto grad_part = detail::Buffer<float>::from_host(*dev, grad0, "dE");
    dev->lightgcn_backward(adj.view, d, layers, g_full.data(), grad_full.data(), work.data());
    dev->lightgcn_backward(adj.view, d, layers, g_part.data(), grad_part.data(), work.data(), dev_rows.data(), n_rows);
    EXPECT_EQ(grad_part.to_host(), grad_full.to_host()) << "the hinted backward added other values";
    EXPECT_EQ(g_part.to_host(), std::vector<float>(nd, 0.0f)) << "the hinted backward left grad_out non-zero";
    EXPECT_EQ(g_full.to_host(), g) << "the unhinted backward changed grad_out";
  }
}

INSTANTIATE_TEST_SUITE_P(DevicesAndLayers, LightGcnRowsHint,
                         ::testing::Combine(::testing::Values("cpu", "cuda"), ::testing::Values(0, 1, 2, 3)),
                         [](const auto& test) {
                           return std::get<0>(test.param) + "_layers" + std::to_string(std::get<1>(test.param));
                         });

}  // namespace
}  // namespace mmgraph
