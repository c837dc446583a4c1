// GPU ops on bf16 inputs against their CPU references and their float twins: the dense layer with
// bf16 x (random sizes with the seed printed, widths 1, 13, 64, 100, n = 0, 1 and sizes that are
// not multiples of 32, tiles of one row, of a few rows with a ragged last tile, and of all rows;
// poisoned outputs and scratch; gradients added onto non-zero buffers) and the bf16 kNN op, a bf16
// GEMM of the normalised rows rounded to bf16, against float64 dot products of those rounded rows
// and against the CPU bf16 op (tests/kernels/knn_graph_bf16_test.cpp; the float twins are compared
// in knn_graph_gpu_test.cpp). The kNN tolerance is twice knn_bf16_gemm_tolerance: the products are
// exact on both sides, and the tensor cores' FP32 sums may round less tightly than IEEE's.
// Tolerance of the dense layer against the CPU: both sides
// sum the same float32 products in another order (cuBLAS vs OpenBLAS, tile by tile), ~sqrt(K) eps of
// the terms: 1e-4 absolute + 1e-4 relative, as the float layer's GPU test.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/bf16.h"
#include "kernels/column_sum.h"
#include "kernels/knn_graph.h"
#include "kernels/linear.h"
#include "support/knn_check.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::all_close;
using testing::bit_identical;
using testing::Cublas;
using testing::DeviceArray;
using testing::random_dense;

constexpr double kAtol = 1e-4, kRtol = 1e-4;

std::vector<uint16_t> rounded(const std::vector<float>& v) {
  std::vector<uint16_t> bits(v.size());
  for (size_t e = 0; e < v.size(); ++e) bits[e] = kernels::float_to_bf16(v[e]);
  return bits;
}

std::vector<float> widened(const std::vector<uint16_t>& bits) {
  std::vector<float> v(bits.size());
  for (size_t e = 0; e < v.size(); ++e) v[e] = kernels::bf16_to_float(bits[e]);
  return v;
}

TEST(Bf16Gpu, LinearBf16xMatchesCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Cublas cublas;
  for (const int64_t out : {1, 13, 64, 100})
    for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{33}, static_cast<int64_t>(100 + rng() % 3000)}) {
      const int64_t in = 1 + static_cast<int64_t>(rng() % 130);
      // One row per tile, about 7 rows per tile (ragged last tile), everything in one tile.
      for (const int64_t tile_floats : {int64_t{1}, 7 * in + 3, kernels::kLinearBf16xTileFloats}) {
        SCOPED_TRACE("n " + std::to_string(n) + " in " + std::to_string(in) + " out " + std::to_string(out) +
                     " tile_floats " + std::to_string(tile_floats));
        const auto x = rounded(random_dense(n * in, seed + 1));
        const auto w = random_dense(in * out, seed + 2), b = random_dense(out, seed + 3),
                   dy = random_dense(n * out, seed + 4), dw0 = random_dense(in * out, seed + 6),
                   db0 = random_dense(out, seed + 7);
        std::vector<float> y(n * out), dw = dw0, db = db0;
        kernels::linear_forward_bf16x_cpu(n, in, out, x.data(), w.data(), b.data(), y.data(), tile_floats);
        kernels::linear_backward_bf16x_cpu(n, in, out, x.data(), dy.data(), dw.data(), db.data(), tile_floats);
        DeviceArray<uint16_t> gx(x);
        DeviceArray<float> gw(w), gb(b), gdy(dy), gdw(dw0), gdb(db0);
        auto gy = DeviceArray<float>::poisoned(n * out);
        auto scratch = DeviceArray<uint8_t>::poisoned(kernels::linear_bf16x_cuda_scratch_bytes(n, in, out, tile_floats));
        kernels::linear_forward_bf16x_cuda(n, in, out, gx.get(), gw.get(), gb.get(), gy.get(), tile_floats,
                                           scratch.get(), cublas.get(), nullptr);
        kernels::linear_backward_bf16x_cuda(n, in, out, gx.get(), gdy.get(), gdw.get(), gdb.get(), tile_floats,
                                            scratch.get(), cublas.get(), nullptr);
        EXPECT_TRUE(all_close(gy.host(), y, kAtol, kRtol, "y"));
        EXPECT_TRUE(all_close(gdw.host(), dw, kAtol, kRtol, "dw"));
        EXPECT_TRUE(all_close(gdb.host(), db, kAtol, kRtol, "db"));
      }
    }
}

// With one tile the bf16 layer makes the float layer's calls on the widened x: equal bit for bit.
TEST(Bf16Gpu, LinearBf16xInOneTileIsTheFloatLayerOnWidenedX) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Cublas cublas;
  for (auto [n, in, out] : {std::tuple<int64_t, int64_t, int64_t>{1, 13, 64}, {333, 100, 13}, {4099, 64, 64}}) {
    SCOPED_TRACE("n " + std::to_string(n) + " in " + std::to_string(in) + " out " + std::to_string(out));
    const auto x = rounded(random_dense(n * in, seed));
    const auto w = random_dense(in * out, seed + 1), b = random_dense(out, seed + 2), dy = random_dense(n * out, seed + 3);
    const int64_t tile = kernels::kLinearBf16xTileFloats;
    DeviceArray<uint16_t> gx(x);
    DeviceArray<float> gxf(widened(x)), gw(w), gb(b), gdy(dy);
    auto y16 = DeviceArray<float>::poisoned(n * out), y32 = DeviceArray<float>::poisoned(n * out);
    DeviceArray<float> dw16(std::vector<float>(in * out, 0.25f)), dw32(std::vector<float>(in * out, 0.25f));
    DeviceArray<float> db16(std::vector<float>(out, 0.5f)), db32(std::vector<float>(out, 0.5f));
    auto scratch = DeviceArray<uint8_t>::poisoned(kernels::linear_bf16x_cuda_scratch_bytes(n, in, out, tile));
    kernels::linear_forward_bf16x_cuda(n, in, out, gx.get(), gw.get(), gb.get(), y16.get(), tile, scratch.get(),
                                       cublas.get(), nullptr);
    kernels::linear_backward_bf16x_cuda(n, in, out, gx.get(), gdy.get(), dw16.get(), db16.get(), tile, scratch.get(),
                                        cublas.get(), nullptr);
    kernels::linear_forward_cuda(n, in, out, gxf.get(), gw.get(), gb.get(), y32.get(), cublas.get(), nullptr);
    auto sums = DeviceArray<float>::poisoned(kernels::column_sum_scratch_floats(n, out));
    kernels::linear_backward_cuda(n, in, out, gxf.get(), gw.get(), gdy.get(), nullptr, dw32.get(), db32.get(),
                                  sums.get(), cublas.get(), nullptr);
    EXPECT_TRUE(bit_identical(y16.host(), y32.host(), "y"));
    EXPECT_TRUE(bit_identical(dw16.host(), dw32.host(), "dw"));
    EXPECT_TRUE(bit_identical(db16.host(), db32.host(), "db"));
  }
}

TEST(Bf16Gpu, KnnBf16IsTheBf16GemmOfTheRoundedNormalisedRows) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Cublas cublas;
  // 5000 rows: two tiles of 4096, the second ragged.
  for (auto [n, dim, k] : {std::tuple<int64_t, int64_t, int>{1, 13, 1}, {37, 1, 5}, {1000, 100, 10}, {5000, 64, 16}}) {
    SCOPED_TRACE("n " + std::to_string(n) + " dim " + std::to_string(dim) + " k " + std::to_string(k));
    auto bits = rounded(random_dense(n * dim, seed + static_cast<uint64_t>(n)));
    if (n > 3)
      for (int64_t j = 0; j < dim; ++j) {
        bits[2 * dim + j] = bits[j];  // a duplicate row: tied cosines
        bits[3 * dim + j] = 0;        // a zero row
      }
    DeviceArray<uint16_t> g16(bits);
    auto idx = DeviceArray<int32_t>::poisoned(n * k);
    auto sim = DeviceArray<float>::poisoned(n * k);
    detail::DeviceBuffer<char> scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k));
    kernels::knn_cosine_topk_bf16_cuda(n, dim, g16.get(), k, idx.get(), sim.get(), scratch.get(), cublas.get(),
                                       nullptr);
    const std::vector<int32_t> gpu_idx = idx.host();
    const std::vector<float> gpu_sim = sim.host();
    const double tol = 2 * testing::knn_bf16_gemm_tolerance(dim);
    const auto g = testing::knn_bf16_normalized_rows(n, dim, bits);
    const int keep = static_cast<int>(std::min<int64_t>(n, k + 1));
    const auto dots = testing::knn_reference64(n, dim, g, keep, testing::KnnSimilarity::kDot);
    EXPECT_TRUE(testing::knn_matches(n, dim, g, k, gpu_idx, gpu_sim, dots, tol, testing::KnnSimilarity::kDot));
    testing::KnnReference cpu;
    cpu.keep = k;
    cpu.idx.resize(static_cast<size_t>(n * k));
    std::vector<float> cpu_sim(cpu.idx.size());
    kernels::knn_cosine_topk_bf16_cpu(n, dim, bits.data(), k, cpu.idx.data(), cpu_sim.data());
    cpu.sim.assign(cpu_sim.begin(), cpu_sim.end());
    EXPECT_TRUE(testing::knn_matches(n, dim, g, k, gpu_idx, gpu_sim, cpu, tol, testing::KnnSimilarity::kDot));
  }
}

}  // namespace
}  // namespace mmgraph
