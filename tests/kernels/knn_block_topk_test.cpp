// The block kNN op on the CPU against the whole op: the items cut into uneven blocks (cuts inside
// and at the edges of the 1024 x 1024 tiles, blocks of one row), each block of query rows
// merged with every block in ascending, descending and shuffled order, must give knn_cosine_topk_cpu's
// rows bit for bit (ids and cosines), on inputs with power-law norms, duplicated rows (exact ties),
// zero rows and dim 1; plus argument checks and empty ranges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/knn_block_topk.h"
#include "kernels/knn_graph.h"
#include "mmgraph/errors.h"
#include "support/knn_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

// Block bounds over n items: 0, n and random cuts, plus the tile edges 1024 and 2048, their
// neighbours and the middle of a tile where they fall inside (so that blocks start and end inside
// and at tiles, and pairs fall above, on and below the diagonal tiles).
std::vector<int64_t> random_bounds(int64_t n, int n_cuts, std::mt19937_64& rng) {
  std::vector<int64_t> b = {0, n};
  for (int64_t edge : {512, 1023, 1024, 1025, 1536, 2047, 2048, 2049})
    if (edge < n && rng() % 2 == 0) b.push_back(edge);
  for (int c = 0; c < n_cuts && n > 1; ++c) b.push_back(1 + static_cast<int64_t>(rng() % (n - 1)));
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

// Every block of query rows merged with the blocks in `order`, against the whole op's rows.
void expect_blocks_match_whole(int64_t n, int64_t dim, const std::vector<float>& f, int k,
                               const std::vector<int64_t>& bounds, const std::vector<size_t>& order,
                               const std::vector<int32_t>& whole_idx, const std::vector<float>& whole_sim) {
  for (size_t q = 0; q + 1 < bounds.size(); ++q) {
    const int64_t r0 = bounds[q], rows = bounds[q + 1] - r0;
    std::vector<int32_t> idx(static_cast<size_t>(rows * k), 7);
    std::vector<float> sim(static_cast<size_t>(rows * k), 7.0f);
    kernels::knn_topk_start_cpu(rows, k, idx.data(), sim.data());
    for (size_t b : order) {
      const int64_t c0 = bounds[b], cols = bounds[b + 1] - c0;
      kernels::knn_block_topk_cpu(n, dim, r0, rows, f.data() + r0 * dim, c0, cols, f.data() + c0 * dim, k,
                                  idx.data(), sim.data());
    }
    SCOPED_TRACE("query rows " + std::to_string(r0) + " .. " + std::to_string(r0 + rows - 1));
    ASSERT_TRUE(std::equal(idx.begin(), idx.end(), whole_idx.begin() + r0 * k));
    ASSERT_EQ(std::memcmp(sim.data(), whole_sim.data() + r0 * k, sim.size() * sizeof(float)), 0);
  }
}

void expect_any_order_matches_whole(int64_t n, int64_t dim, const std::vector<float>& f, int k, uint64_t seed) {
  SCOPED_TRACE("n " + std::to_string(n) + " dim " + std::to_string(dim) + " k " + std::to_string(k) + " seed " +
               std::to_string(seed));
  std::vector<int32_t> whole_idx(static_cast<size_t>(n * k));
  std::vector<float> whole_sim(static_cast<size_t>(n * k));
  kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, whole_idx.data(), whole_sim.data());
  std::mt19937_64 rng(seed);
  for (int split = 0; split < 2; ++split) {
    const auto bounds = random_bounds(n, 2 + split * 3, rng);
    std::vector<size_t> order(bounds.size() - 1);
    for (size_t b = 0; b < order.size(); ++b) order[b] = b;
    expect_blocks_match_whole(n, dim, f, k, bounds, order, whole_idx, whole_sim);
    std::reverse(order.begin(), order.end());
    expect_blocks_match_whole(n, dim, f, k, bounds, order, whole_idx, whole_sim);
    std::shuffle(order.begin(), order.end(), rng);
    expect_blocks_match_whole(n, dim, f, k, bounds, order, whole_idx, whole_sim);
  }
}

TEST(KnnBlockTopkCpu, AnyOrderOfBlocksGivesTheWholeOpBitForBit) {
  const uint64_t seed = testing::fresh_seed();
  for (const auto& [n, dim, k] : std::vector<std::tuple<int64_t, int64_t, int>>{
           {1, 3, 1}, {37, 5, 37}, {1100, 100, 128}, {2500, 13, 10}, {3000, 1, 10}}) {
    const auto f = testing::knn_features(n, dim, seed + static_cast<uint64_t>(n), n / 3);
    expect_any_order_matches_whole(n, dim, f, k, seed + static_cast<uint64_t>(n));
  }
}

TEST(KnnBlockTopkCpu, ExactTiesBreakByLowerIdInAnyOrder) {
  const uint64_t seed = testing::fresh_seed();
  const auto f = testing::knn_exact_features(2500, seed);
  expect_any_order_matches_whole(2500, 16, f, 10, seed);
}

TEST(KnnBlockTopkCpu, EmptyRangesDoNothingAndBadRangesThrow) {
  const std::vector<float> f(6 * 2, 1.0f);
  std::vector<int32_t> idx(6 * 2, 5);
  std::vector<float> sim(6 * 2, 5.0f);
  kernels::knn_block_topk_cpu(6, 2, 0, 0, f.data(), 0, 6, f.data(), 2, idx.data(), sim.data());
  kernels::knn_block_topk_cpu(6, 2, 0, 6, f.data(), 3, 0, f.data(), 2, idx.data(), sim.data());
  EXPECT_EQ(idx, std::vector<int32_t>(12, 5));
  EXPECT_EQ(sim, std::vector<float>(12, 5.0f));
  EXPECT_THROW(kernels::knn_block_topk_cpu(6, 2, 4, 3, f.data(), 0, 6, f.data(), 2, idx.data(), sim.data()), Error);
  EXPECT_THROW(kernels::knn_block_topk_cpu(6, 2, 0, 6, f.data(), -1, 2, f.data(), 2, idx.data(), sim.data()), Error);
  EXPECT_THROW(kernels::knn_block_topk_cpu(6, 2, 0, 6, f.data(), 0, 6, f.data(), 7, idx.data(), sim.data()), Error);
  EXPECT_THROW(kernels::knn_block_topk_cpu(6, 0, 0, 6, f.data(), 0, 6, f.data(), 2, idx.data(), sim.data()), Error);
}

TEST(KnnBlockTopkCpu, StartEmptiesEveryList) {
  std::vector<int32_t> idx(3 * 4, 9);
  std::vector<float> sim(3 * 4, 9.0f);
  kernels::knn_topk_start_cpu(3, 4, idx.data(), sim.data());
  EXPECT_EQ(idx, std::vector<int32_t>(12, -1));
  for (float s : sim) EXPECT_TRUE(std::isinf(s) && s < 0);
}

}  // namespace
}  // namespace mmgraph
