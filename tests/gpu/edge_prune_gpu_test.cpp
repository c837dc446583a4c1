// GPU-vs-CPU test of FREEDOM's pruning on the device (kernels/edge_prune.h): the
// CUDA twin must keep the same edges as degree_sensitive_prune_cpu and write the
// same normalised adjacency as pruned_adjacency_cpu, bit for bit. Tolerance 0 on
// every array, values included: both twins take each key from the shared rule
// (edge_prune_rule.h, built from correctly rounded operations only) and each
// value from bipartite_edge_value (1 / sqrt in double, one product, one rounding
// to float), and the selection is exact, so any difference is a bug.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/edge_prune.h"
#include "support/random_inputs.h"
#include "support/tied_prune_keys.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

std::set<std::pair<int32_t, int32_t>> kept_edges(const kernels::PrunedEdges& p) {
  std::set<std::pair<int32_t, int32_t>> e;
  for (size_t u = 0; u + 1 < p.row_ptr.size(); ++u)
    for (int64_t k = p.row_ptr[u]; k < p.row_ptr[u + 1]; ++k)
      e.insert({static_cast<int32_t>(u), p.col[static_cast<size_t>(k)]});
  return e;
}

// The kept edges read back from the user rows of a pruned adjacency.
std::set<std::pair<int32_t, int32_t>> kept_edges(int32_t n_users, const std::vector<int64_t>& row_ptr,
                                                 const std::vector<int32_t>& col) {
  std::set<std::pair<int32_t, int32_t>> e;
  for (int32_t u = 0; u < n_users; ++u)
    for (int64_t k = row_ptr[static_cast<size_t>(u)]; k < row_ptr[static_cast<size_t>(u) + 1]; ++k)
      e.insert({u, col[static_cast<size_t>(k)] - n_users});
  return e;
}

// Runs the CUDA twin on a training CSR (host arrays) and compares it with the CPU.
void expect_same_as_cpu(int32_t users, int32_t items, const std::vector<int64_t>& row_ptr,
                        const std::vector<int32_t>& col, int64_t n_keep, uint64_t seed, uint64_t epoch) {
  SCOPED_TRACE("n_keep " + std::to_string(n_keep) + " epoch " + std::to_string(epoch));
  const auto nnz = static_cast<int64_t>(col.size());
  const int64_t kept = std::clamp<int64_t>(n_keep, 0, nnz);
  const int64_t n = static_cast<int64_t>(users) + items;
  const kernels::CsrHost ref =
      kernels::pruned_adjacency_cpu(users, items, row_ptr.data(), col.data(), n_keep, seed, epoch);
  const kernels::PrunedEdges ref_edges =
      kernels::degree_sensitive_prune_cpu(users, items, row_ptr.data(), col.data(), n_keep, seed, epoch);

  DeviceArray<int64_t> d_row_ptr(row_ptr);
  DeviceArray<int32_t> d_col(col);
  auto out_row_ptr = DeviceArray<int64_t>::poisoned(static_cast<size_t>(n + 1));
  auto out_col = DeviceArray<int32_t>::poisoned(static_cast<size_t>(2 * kept));
  auto out_val = DeviceArray<float>::poisoned(static_cast<size_t>(2 * kept));
  detail::DeviceBuffer<char> scratch(kernels::pruned_adjacency_cuda_scratch_bytes(users, items, nnz), "test scratch");
  kernels::pruned_adjacency_cuda(users, items, d_row_ptr.get(), d_col.get(), nnz, n_keep, seed, epoch,
                                 out_row_ptr.get(), out_col.get(), out_val.get(), scratch.get(), nullptr);
  const auto got_row_ptr = out_row_ptr.host();
  const auto got_col = out_col.host();
  const auto got_val = out_val.host();

  ASSERT_TRUE(testing::bit_identical(got_row_ptr, ref.row_ptr, "row_ptr"));
  EXPECT_EQ(kept_edges(users, got_row_ptr, got_col), kept_edges(ref_edges)) << "kept edge sets differ";
  EXPECT_TRUE(testing::bit_identical(got_col, ref.col, "col"));
  EXPECT_TRUE(testing::bit_identical(got_val, ref.val, "val"));
}

struct PruneCase {
  int32_t users, items;
  double mean_degree;
  int64_t hub_len;  // user 3 sees this many items (0: no hub)
  friend std::ostream& operator<<(std::ostream& os, const PruneCase& c) {
    return os << c.users << "x" << c.items << " mean degree " << c.mean_degree << " hub " << c.hub_len;
  }
};

class EdgePruneGpuTest : public ::testing::TestWithParam<PruneCase> {};

// Power-law user degrees with 10% empty users (random_csr), items that never
// occur, a hub user; n_keep from 0 to past nnz; several epochs.
TEST_P(EdgePruneGpuTest, KeptEdgesAndAdjacencyMatchCpuBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const PruneCase c = GetParam();
  const uint64_t seed = testing::fresh_seed();
  const auto g = testing::random_csr(c.users, c.items, c.mean_degree, seed, c.hub_len > 0 ? 3 : -1, c.hub_len);
  const auto nnz = static_cast<int64_t>(g.col.size());
  SCOPED_TRACE("seed " + std::to_string(seed) + " nnz " + std::to_string(nnz));
  for (uint64_t epoch : {0u, 1u, 9u})
    for (int64_t n_keep : {int64_t{0}, int64_t{1}, nnz / 3, (nnz * 7) / 10, nnz - 1, nnz, nnz + 5}) {
      expect_same_as_cpu(c.users, c.items, g.row_ptr, g.col, n_keep, seed, epoch);
      if (::testing::Test::HasFatalFailure()) return;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Graphs, EdgePruneGpuTest,
    ::testing::Values(PruneCase{0, 5, 3, 0}, PruneCase{1, 1, 1, 1}, PruneCase{7, 3, 2, 3}, PruneCase{33, 31, 4, 31},
                      PruneCase{1001, 733, 12, 733}, PruneCase{20011, 5003, 15, 5003},
                      PruneCase{3000, 100003, 20, 100003}));

// Two edges with equal keys on either side of the boundary: the lower index is kept.
TEST(EdgePruneGpu, TiedKeysKeepTheLowerEdgeIndex) {
  MMGRAPH_REQUIRE_GPU();
  const testing::TiedPruneKeys t = testing::find_tied_prune_keys(99);
  expect_same_as_cpu(t.n, t.n, t.row_ptr, t.col, t.n_keep, t.seed, t.epoch);
}

// The pruned graph is a pure function of (seed, epoch): a second run repeats it.
TEST(EdgePruneGpu, RepeatsBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int32_t users = 4099, items = 2053;
  const auto g = testing::random_csr(users, items, 10, seed, 5, items);
  const auto nnz = static_cast<int64_t>(g.col.size());
  const int64_t n_keep = nnz / 2, n = static_cast<int64_t>(users) + items;
  DeviceArray<int64_t> d_row_ptr(g.row_ptr);
  DeviceArray<int32_t> d_col(g.col);
  detail::DeviceBuffer<char> scratch(kernels::pruned_adjacency_cuda_scratch_bytes(users, items, nnz), "test scratch");
  std::vector<int64_t> first_row_ptr;
  std::vector<int32_t> first_col;
  std::vector<float> first_val;
  for (int run = 0; run < 2; ++run) {
    auto out_row_ptr = DeviceArray<int64_t>::poisoned(static_cast<size_t>(n + 1));
    auto out_col = DeviceArray<int32_t>::poisoned(static_cast<size_t>(2 * n_keep));
    auto out_val = DeviceArray<float>::poisoned(static_cast<size_t>(2 * n_keep));
    kernels::pruned_adjacency_cuda(users, items, d_row_ptr.get(), d_col.get(), nnz, n_keep, seed, 4,
                                   out_row_ptr.get(), out_col.get(), out_val.get(), scratch.get(), nullptr);
    if (run == 0) {
      first_row_ptr = out_row_ptr.host();
      first_col = out_col.host();
      first_val = out_val.host();
    } else {
      EXPECT_TRUE(testing::bit_identical(out_row_ptr.host(), first_row_ptr, "row_ptr second run"));
      EXPECT_TRUE(testing::bit_identical(out_col.host(), first_col, "col second run"));
      EXPECT_TRUE(testing::bit_identical(out_val.host(), first_val, "val second run"));
    }
  }
}

}  // namespace
}  // namespace mmgraph
