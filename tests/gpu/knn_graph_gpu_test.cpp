// GPU kNN cosine top-k against the CPU twin: fixed and random sizes (seed printed) with power-law
// row norms, duplicated and zero rows, n = 0 and 1, k = 1 and k = n, dims not multiples of 32,
// n spanning several 4096-row tiles, poisoned outputs, a handle that allows TF32 (the op must not
// use it); inputs with exact cosines must match bit for bit; repeated runs are bit-identical. The
// scratch bound is checked without a device.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
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

KnnOut knn_gpu(int64_t n, int64_t dim, const std::vector<float>& f, int k) {
  DeviceArray<float> features(f);
  auto idx = DeviceArray<int32_t>::poisoned(static_cast<size_t>(n * k));
  auto sim = DeviceArray<float>::poisoned(static_cast<size_t>(n * k));
  detail::DeviceBuffer<char> scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k));
  cublasHandle_t handle;
  MMGRAPH_CUDA_CHECK(cublasCreate(&handle));
  MMGRAPH_CUDA_CHECK(cublasSetMathMode(handle, CUBLAS_TF32_TENSOR_OP_MATH));
  kernels::knn_cosine_topk_cuda(n, dim, features.get(), k, idx.get(), sim.get(), scratch.get(), handle, nullptr);
  KnnOut out{idx.host(), sim.host()};
  cublasDestroy(handle);
  return out;
}

KnnOut knn_cpu(int64_t n, int64_t dim, const std::vector<float>& f, int k) {
  KnnOut out{std::vector<int32_t>(n * k), std::vector<float>(n * k)};
  kernels::knn_cosine_topk_cpu(n, dim, f.data(), k, out.idx.data(), out.sim.data());
  return out;
}

// GPU vs CPU on one input: each side's cosine is within knn_fp32_tolerance of the exact one, so
// the two differ by at most twice that; ids may differ only where the CPU's cosines are that close.
void expect_gpu_matches_cpu(int64_t n, int64_t dim, int k, uint64_t seed) {
  SCOPED_TRACE("n " + std::to_string(n) + " dim " + std::to_string(dim) + " k " + std::to_string(k) + " seed " +
               std::to_string(seed));
  const auto f = testing::knn_features(n, dim, seed, n > 2 ? n / 2 : -1);
  const KnnOut gpu = knn_gpu(n, dim, f, k), cpu = knn_cpu(n, dim, f, k);
  testing::KnnReference ref;
  ref.keep = k;
  ref.idx = cpu.idx;
  ref.sim.assign(cpu.sim.begin(), cpu.sim.end());
  EXPECT_TRUE(testing::knn_matches(n, dim, f, k, gpu.idx, gpu.sim, ref, 2 * testing::knn_fp32_tolerance(dim)));
}

TEST(KnnGpu, MatchesCpuOnFixedSizes) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  // 5000 and 4097 rows: two tiles of 4096, the second ragged; 9000: three.
  const std::vector<std::tuple<int64_t, int64_t, int>> cases = {
      {1, 1, 1},      {1, 13, 1},       {2, 100, 2},       {37, 64, 37},    {129, 1, 128},
      {1000, 13, 10}, {4097, 384, 128}, {5000, 100, 10},   {9000, 64, 16}};
  for (const auto& [n, dim, k] : cases) expect_gpu_matches_cpu(n, dim, k, seed);
}

TEST(KnnGpu, MatchesCpuOnRandomSizes) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  std::mt19937_64 rng(seed);
  const int64_t dims[] = {1, 13, 64, 100, 384};
  for (int trial = 0; trial < 4; ++trial) {
    const int64_t n = 2 + static_cast<int64_t>(rng() % 6000), dim = dims[rng() % 5];
    const int k = 1 + static_cast<int>(rng() % std::min<int64_t>(n, kernels::kMaxKnnK));
    expect_gpu_matches_cpu(n, dim, k, seed + trial);
  }
}

TEST(KnnGpu, ExactCosinesMatchCpuBitForBitAndRunsRepeat) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 6000;  // two tiles
  const auto f = testing::knn_exact_features(n, seed);
  for (int k : {10, 128}) {
    const KnnOut gpu = knn_gpu(n, 16, f, k), cpu = knn_cpu(n, 16, f, k);
    EXPECT_EQ(gpu.idx, cpu.idx) << "k " << k;
    EXPECT_EQ(gpu.sim, cpu.sim) << "k " << k;
  }
  const auto g = testing::knn_features(n, 100, seed, 3);
  const KnnOut a = knn_gpu(n, 100, g, 20), b = knn_gpu(n, 100, g, 20);
  EXPECT_TRUE(testing::bit_identical(a.idx, b.idx, "idx of two runs"));
  EXPECT_TRUE(testing::bit_identical(a.sim, b.sim, "sim of two runs"));
}

TEST(KnnGpu, EmptyInputDoesNothing) {
  MMGRAPH_REQUIRE_GPU();
  EXPECT_EQ(kernels::knn_cosine_topk_cuda_scratch_bytes(0, 64, 10), 0u);
  const KnnOut out = knn_gpu(0, 64, {}, 10);
  EXPECT_TRUE(out.idx.empty());
}

TEST(KnnGpu, ScratchIsBoundedWhateverN) {
  const size_t budget = size_t{256} << 20;
  EXPECT_LE(kernels::knn_cosine_topk_cuda_scratch_bytes(2'000'000, 4096, 10), budget);
  EXPECT_LE(kernels::knn_cosine_topk_cuda_scratch_bytes(63'001, 4096, 10), budget);
  EXPECT_LE(kernels::knn_cosine_topk_cuda_scratch_bytes(2'000'000, 1 << 19, 128), budget);
  // A small problem takes a small tile: two tiles of 32 rows of 16 floats and a 32 x 32 tile.
  EXPECT_EQ(kernels::knn_cosine_topk_cuda_scratch_bytes(5, 16, 5), (2u * 32 * 16 + 32 * 32) * 4);
}

}  // namespace
}  // namespace mmgraph
