// The block kNN op on the GPU: the items cut into uneven blocks (cuts inside and at the edges of the
// 4096-row tiles, blocks of one row), each block of query rows merged with every block in ascending,
// descending and shuffled order into poisoned lists, must give knn_cosine_topk_cuda's rows bit for
// bit, and the CPU block op's within the twins' FP32 tolerance (exactly, on inputs whose cosines are
// exact in float).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/knn_block_topk.h"
#include "kernels/knn_graph.h"
#include "support/knn_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

struct KnnOut {
  std::vector<int32_t> idx;
  std::vector<float> sim;
};

// Each block of query rows (bounds) merged with the blocks in `order`, on the GPU; the lists of all
// rows, in row order.
KnnOut blocks_gpu(int64_t n, int64_t dim, const std::vector<float>& f, int k, const std::vector<int64_t>& bounds,
                  const std::vector<size_t>& order) {
  DeviceArray<float> features(f);
  auto idx = DeviceArray<int32_t>::poisoned(static_cast<size_t>(n * k));
  auto sim = DeviceArray<float>::poisoned(static_cast<size_t>(n * k));
  detail::DeviceBuffer<char> scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k));
  testing::Cublas cublas;
  for (size_t q = 0; q + 1 < bounds.size(); ++q) {
    const int64_t r0 = bounds[q], rows = bounds[q + 1] - r0;
    kernels::knn_topk_start_cuda(rows, k, idx.get() + r0 * k, sim.get() + r0 * k, nullptr);
    for (size_t b : order)
      kernels::knn_block_topk_cuda(n, dim, r0, rows, features.get() + r0 * dim, bounds[b], bounds[b + 1] - bounds[b],
                                   features.get() + bounds[b] * dim, k, idx.get() + r0 * k, sim.get() + r0 * k,
                                   scratch.get(), cublas.get(), nullptr);
  }
  return {idx.host(), sim.host()};
}

KnnOut whole_gpu(int64_t n, int64_t dim, const std::vector<float>& f, int k) {
  DeviceArray<float> features(f);
  auto idx = DeviceArray<int32_t>::poisoned(static_cast<size_t>(n * k));
  auto sim = DeviceArray<float>::poisoned(static_cast<size_t>(n * k));
  detail::DeviceBuffer<char> scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k));
  testing::Cublas cublas;
  kernels::knn_cosine_topk_cuda(n, dim, features.get(), k, idx.get(), sim.get(), scratch.get(), cublas.get(),
                                nullptr);
  return {idx.host(), sim.host()};
}

KnnOut whole_cpu(int64_t n, int64_t dim, const std::vector<float>& f, int k) {
  KnnOut out{std::vector<int32_t>(n * k), std::vector<float>(n * k)};
  kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, out.idx.data(), out.sim.data());
  return out;
}

// Block bounds over n items: 0, n, the tile edges 4095, 4096, 4097 where they fall inside, a block
// of one row and random cuts.
std::vector<int64_t> random_bounds(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> b = {0, n, 1, 4095, 4096, 4097};
  for (int c = 0; c < 3; ++c) b.push_back(1 + static_cast<int64_t>(rng() % (n - 1)));
  b.erase(std::remove_if(b.begin(), b.end(), [n](int64_t x) { return x > n; }), b.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

void expect_blocks_match(int64_t n, int64_t dim, const std::vector<float>& f, int k, uint64_t seed, bool exact) {
  SCOPED_TRACE("n " + std::to_string(n) + " dim " + std::to_string(dim) + " k " + std::to_string(k) + " seed " +
               std::to_string(seed));
  std::mt19937_64 rng(seed);
  const auto bounds = random_bounds(n, rng);
  const KnnOut whole = whole_gpu(n, dim, f, k), cpu = whole_cpu(n, dim, f, k);
  std::vector<size_t> order(bounds.size() - 1);
  for (size_t b = 0; b < order.size(); ++b) order[b] = b;
  std::vector<std::vector<size_t>> orders = {order, {order.rbegin(), order.rend()}};
  std::shuffle(order.begin(), order.end(), rng);
  orders.push_back(order);
  for (const auto& o : orders) {
    const KnnOut blocks = blocks_gpu(n, dim, f, k, bounds, o);
    EXPECT_TRUE(testing::bit_identical(blocks.idx, whole.idx, "idx: blocks vs the whole GPU op"));
    EXPECT_TRUE(testing::bit_identical(blocks.sim, whole.sim, "sim: blocks vs the whole GPU op"));
    if (exact) {
      EXPECT_EQ(blocks.idx, cpu.idx);
      EXPECT_EQ(blocks.sim, cpu.sim);
      continue;
    }
    testing::KnnReference ref;
    ref.keep = k;
    ref.idx = cpu.idx;
    ref.sim.assign(cpu.sim.begin(), cpu.sim.end());
    EXPECT_TRUE(testing::knn_matches(n, dim, f, k, blocks.idx, blocks.sim, ref, 2 * testing::knn_fp32_tolerance(dim)));
  }
}

TEST(KnnBlockTopkGpu, AnyOrderOfBlocksGivesTheWholeOp) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  for (const auto& [n, dim, k] :
       std::vector<std::tuple<int64_t, int64_t, int>>{{2, 3, 2}, {300, 13, 10}, {5000, 100, 10}, {9000, 64, 128}}) {
    const auto f = testing::knn_features(n, dim, seed + static_cast<uint64_t>(n), n / 3);
    expect_blocks_match(n, dim, f, k, seed + static_cast<uint64_t>(n), false);
  }
}

TEST(KnnBlockTopkGpu, ExactCosinesMatchTheCpuBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  const auto f = testing::knn_exact_features(6000, seed);
  expect_blocks_match(6000, 16, f, 10, seed, true);
}

}  // namespace
}  // namespace mmgraph
