// GPU dense modality ops (dense layer, sigmoid gate, modality attention, row L2
// normalisation) against their CPU references: random sizes with the seed
// printed, widths 1, 13, 64, 100, n = 0, 1 and sizes that are not multiples of
// 32, poisoned outputs, gradients added onto non-zero buffers, and repeats
// bit-identical (no atomics anywhere). Tolerance: both sides sum the same
// products in another order (cuBLAS vs OpenBLAS), ~sqrt(K) eps of the terms:
// 1e-4 absolute + 1e-4 relative.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gpu/gpu_test_util.h"
#include "kernels/column_sum.h"
#include "kernels/l2_normalize.h"
#include "kernels/linear.h"
#include "kernels/modality_attention.h"
#include "kernels/sigmoid_gate.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::all_close;
using testing::bit_identical;
using testing::Cublas;
using testing::DeviceArray;
using testing::random_dense;

constexpr double kAtol = 1e-4, kRtol = 1e-4;

TEST(DenseOpsGpu, LinearMatchesCpuAndRepeats) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Cublas cublas;
  for (const int64_t out : {1, 13, 64, 100})
    for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{33}, static_cast<int64_t>(100 + rng() % 3000)}) {
      const int64_t in = 1 + static_cast<int64_t>(rng() % 130);
      SCOPED_TRACE("n " + std::to_string(n) + " in " + std::to_string(in) + " out " + std::to_string(out));
      const auto x = random_dense(n * in, seed + 1), w = random_dense(in * out, seed + 2), b = random_dense(out, seed + 3),
                 dy = random_dense(n * out, seed + 4), dx0 = random_dense(n * in, seed + 5),
                 dw0 = random_dense(in * out, seed + 6), db0 = random_dense(out, seed + 7);
      std::vector<float> y(n * out), dx = dx0, dw = dw0, db = db0;
      kernels::linear_forward_cpu(n, in, out, x.data(), w.data(), b.data(), y.data());
      kernels::linear_backward_cpu(n, in, out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
      DeviceArray<float> gx(x), gw(w), gb(b), gdy(dy);
      std::vector<float> first_dw;
      for (int rep = 0; rep < 2; ++rep) {
        auto gy = DeviceArray<float>::poisoned(n * out);
        DeviceArray<float> gdx(dx0), gdw(dw0), gdb(db0);
        auto sums = DeviceArray<float>::poisoned(kernels::column_sum_scratch_floats(n, out));
        kernels::linear_forward_cuda(n, in, out, gx.get(), gw.get(), gb.get(), gy.get(), cublas.get(), nullptr);
        kernels::linear_backward_cuda(n, in, out, gx.get(), gw.get(), gdy.get(), gdx.get(), gdw.get(), gdb.get(),
                                      sums.get(), cublas.get(), nullptr);
        if (n > 0) {
          EXPECT_TRUE(all_close(gy.host(), y, kAtol, kRtol, "y"));
        }
        EXPECT_TRUE(all_close(gdx.host(), dx, kAtol, kRtol, "dx"));
        EXPECT_TRUE(all_close(gdw.host(), dw, kAtol, kRtol, "dw"));
        EXPECT_TRUE(all_close(gdb.host(), db, kAtol, kRtol, "db"));
        if (rep == 0) {
          first_dw = gdw.host();
        } else {
          EXPECT_TRUE(bit_identical(gdw.host(), first_dw, "dw on repeat"));
        }
      }
    }
}

TEST(DenseOpsGpu, ColumnSumsMatchFloat64OverManyChunks) {
  // Row counts from one chunk to past the 512-chunk cap (1M rows), weighted and not, against
  // float64 sums. Bound: each float32 total passes at most rows-per-thread + 8 + chunks
  // roundings, each under 2^-24 of the running |terms|, so |gpu - ref| <= depth 2^-24 sum|terms|.
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const int64_t n : {int64_t{1}, int64_t{1023}, int64_t{1025}, int64_t{70001}, int64_t{1} << 20}) {
    for (const int64_t cols : {int64_t{1}, int64_t{13}, int64_t{64}}) {
      for (const bool weighted : {false, true}) {
        SCOPED_TRACE("n " + std::to_string(n) + " cols " + std::to_string(cols) + (weighted ? " weighted" : ""));
        const auto x = random_dense(n * cols, seed + n + cols), w = random_dense(n, seed + 7 * n);
        const auto out0 = random_dense(cols, seed + 3);
        std::vector<double> ref(out0.begin(), out0.end()), mag(cols, 0.0);
        for (int64_t r = 0; r < n; ++r)
          for (int64_t c = 0; c < cols; ++c) {
            const double term = (weighted ? double{w[r]} : 1.0) * x[r * cols + c];
            ref[c] += term;
            mag[c] += std::abs(term);
          }
        const int64_t chunks = kernels::column_sum_scratch_floats(n, cols) / cols;
        const double depth = static_cast<double>((n + chunks - 1) / chunks / 8 + 1 + 8 + chunks + 1);
        DeviceArray<float> gx(x), gw(w);
        std::vector<float> first;
        for (int rep = 0; rep < 2; ++rep) {
          DeviceArray<float> gout(out0);
          auto sums = DeviceArray<float>::poisoned(kernels::column_sum_scratch_floats(n, cols));
          kernels::column_weighted_sum_cuda(n, cols, gx.get(), weighted ? gw.get() : nullptr, gout.get(), sums.get(),
                                            nullptr);
          const auto got = gout.host();
          for (int64_t c = 0; c < cols; ++c)
            EXPECT_LE(std::abs(got[c] - ref[c]), depth * 0x1p-24 * (mag[c] + std::abs(out0[c])) + 1e-30) << "col " << c;
          if (rep == 0) {
            first = got;
          } else {
            EXPECT_TRUE(bit_identical(got, first, "column sums on repeat"));
          }
        }
      }
    }
  }
}

TEST(DenseOpsGpu, SigmoidGateMatchesCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{31}, int64_t{100003}}) {
    const auto x = random_dense(n, seed), pre = random_dense(n, seed + 1), dout = random_dense(n, seed + 2),
               dx0 = random_dense(n, seed + 3);
    std::vector<float> out(n), dx = dx0, dpre(n);
    kernels::sigmoid_gate_forward_cpu(n, x.data(), pre.data(), out.data());
    kernels::sigmoid_gate_backward_cpu(n, x.data(), pre.data(), dout.data(), dx.data(), dpre.data());
    DeviceArray<float> gx(x), gpre(pre), gdout(dout), gdx(dx0);
    auto gout = DeviceArray<float>::poisoned(n), gdpre = DeviceArray<float>::poisoned(n);
    kernels::sigmoid_gate_forward_cuda(n, gx.get(), gpre.get(), gout.get(), nullptr);
    kernels::sigmoid_gate_backward_cuda(n, gx.get(), gpre.get(), gdout.get(), gdx.get(), gdpre.get(), nullptr);
    EXPECT_TRUE(all_close(gout.host(), out, 1e-6, 1e-5, "out"));
    EXPECT_TRUE(all_close(gdx.host(), dx, 1e-6, 1e-5, "dx"));
    EXPECT_TRUE(all_close(gdpre.host(), dpre, 1e-6, 1e-5, "dpre"));
  }
}

TEST(DenseOpsGpu, ModalityAttentionMatchesCpuAndRepeats) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Cublas cublas;
  for (const int64_t d : {1, 13, 64, 100})
    for (const int m : {1, 2, 3})
      for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{33}, static_cast<int64_t>(100 + rng() % 2000)}) {
        SCOPED_TRACE("n " + std::to_string(n) + " d " + std::to_string(d) + " m " + std::to_string(m));
        const auto h = random_dense(m * n * d, seed + 1), P = random_dense(d * d, seed + 2), p = random_dense(d, seed + 3),
                   q = random_dense(d, seed + 4), dz = random_dense(n * d, seed + 5), dh0 = random_dense(m * n * d, seed + 6),
                   dP0 = random_dense(d * d, seed + 7), dp0 = random_dense(d, seed + 8), dq0 = random_dense(d, seed + 9);
        std::vector<float> t(m * n * d), a(n * m), z(n * d), dh = dh0, dP = dP0, dp = dp0, dq = dq0;
        std::vector<float> work(kernels::modality_attention_work_floats(n, d, m));
        kernels::modality_attention_forward_cpu(n, d, m, h.data(), P.data(), p.data(), q.data(), t.data(), a.data(),
                                                z.data());
        kernels::modality_attention_backward_cpu(n, d, m, h.data(), P.data(), q.data(), t.data(), a.data(), dz.data(),
                                                 dh.data(), dP.data(), dp.data(), dq.data(), work.data());
        DeviceArray<float> gh(h), gP(P), gp(p), gq(q), gdz(dz);
        std::vector<float> first_dq;
        for (int rep = 0; rep < 2; ++rep) {
          auto gt = DeviceArray<float>::poisoned(m * n * d), ga = DeviceArray<float>::poisoned(n * m),
               gz = DeviceArray<float>::poisoned(n * d),
               gwork = DeviceArray<float>::poisoned(kernels::modality_attention_work_floats(n, d, m)),
               gsums = DeviceArray<float>::poisoned(kernels::column_sum_scratch_floats(m * n, d));
          DeviceArray<float> gdh(dh0), gdP(dP0), gdp(dp0), gdq(dq0);
          kernels::modality_attention_forward_cuda(n, d, m, gh.get(), gP.get(), gp.get(), gq.get(), gt.get(), ga.get(),
                                                   gz.get(), cublas.get(), nullptr);
          kernels::modality_attention_backward_cuda(n, d, m, gh.get(), gP.get(), gq.get(), gt.get(), ga.get(), gdz.get(),
                                                    gdh.get(), gdP.get(), gdp.get(), gdq.get(), gwork.get(),
                                                    gsums.get(), cublas.get(), nullptr);
          if (n > 0) {
            EXPECT_TRUE(all_close(gz.host(), z, kAtol, kRtol, "z"));
            EXPECT_TRUE(all_close(ga.host(), a, kAtol, kRtol, "a"));
          }
          EXPECT_TRUE(all_close(gdh.host(), dh, kAtol, kRtol, "dh"));
          EXPECT_TRUE(all_close(gdP.host(), dP, kAtol, 1e-3, "dP"));
          EXPECT_TRUE(all_close(gdp.host(), dp, kAtol, 1e-3, "dp"));
          EXPECT_TRUE(all_close(gdq.host(), dq, kAtol, 1e-3, "dq"));
          if (rep == 0) {
            first_dq = gdq.host();
          } else {
            EXPECT_TRUE(bit_identical(gdq.host(), first_dq, "dq on repeat"));
          }
        }
      }
}

TEST(DenseOpsGpu, L2NormalizeMatchesCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const int64_t d : {1, 13, 64, 100})
    for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{33}, int64_t{1025}}) {
      SCOPED_TRACE("n " + std::to_string(n) + " d " + std::to_string(d));
      auto x = random_dense(n * d, seed);
      if (n > 1)
        for (int64_t c = 0; c < d; ++c) x[c] = 0.0f;  // a zero row
      const auto dy = random_dense(n * d, seed + 1), dx0 = random_dense(n * d, seed + 2);
      std::vector<float> y(n * d), dx = dx0;
      kernels::l2_normalize_rows_forward_cpu(n, d, x.data(), y.data());
      kernels::l2_normalize_rows_backward_cpu(n, d, x.data(), y.data(), dy.data(), dx.data());
      DeviceArray<float> gx(x), gdy(dy), gdx(dx0);
      auto gy = DeviceArray<float>::poisoned(n * d);
      kernels::l2_normalize_rows_forward_cuda(n, d, gx.get(), gy.get(), nullptr);
      kernels::l2_normalize_rows_backward_cuda(n, d, gx.get(), gy.get(), gdy.get(), gdx.get(), nullptr);
      EXPECT_TRUE(all_close(gy.host(), y, 1e-6, 1e-5, "y"));
      // The zero row's gradient is dy / 1e-12: compare it relatively.
      EXPECT_TRUE(all_close(gdx.host(), dx, 1e-5, 1e-5, "dx"));
    }
}

}  // namespace
}  // namespace mmgraph
