// GPU BPR, Adam, sampler, top-K and metrics against their CPU twins.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/adam.h"
#include "kernels/bf16.h"
#include "kernels/bpr.h"
#include "kernels/ranking_metrics.h"
#include "kernels/sampler.h"
#include "kernels/topk.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

struct BprInputs {
  int64_t users = 301, items = 257, d = 100, batch = 1000;
  std::vector<float> user_rep, item_rep, user0, item0;
  std::vector<int32_t> u, p, n;
  explicit BprInputs(uint64_t seed) {
    user_rep = testing::random_dense(users * d, seed);
    item_rep = testing::random_dense(items * d, seed + 1);
    user0 = testing::random_dense(users * d, seed + 2);
    item0 = testing::random_dense(items * d, seed + 3);
    std::mt19937_64 rng(seed);
    for (int64_t b = 0; b < batch; ++b) {  // many repeats: hot rows get many contributions
      u.push_back(static_cast<int32_t>(rng() % (b % 3 == 0 ? 5 : users)));
      p.push_back(static_cast<int32_t>(rng() % items));
      n.push_back(static_cast<int32_t>((p.back() + 1 + rng() % (items - 1)) % items));
    }
  }
};

struct BprRun {
  std::vector<float> gu, gi, gu0, gi0, loss;
};

BprRun run_bpr_gpu(const BprInputs& in, bool deterministic, float reg) {
  DeviceArray<float> ur(in.user_rep), ir(in.item_rep), u0(in.user0), i0(in.item0);
  DeviceArray<int32_t> du(in.u), dp(in.p), dn(in.n);
  DeviceArray<float> gu(std::vector<float>(in.user_rep.size(), 0.f)), gi(std::vector<float>(in.item_rep.size(), 0.f));
  DeviceArray<float> gu0(std::vector<float>(in.user0.size(), 0.f)), gi0(std::vector<float>(in.item0.size(), 0.f));
  auto loss = DeviceArray<float>::poisoned(2);
  detail::DeviceBuffer<char> scratch(kernels::bpr_scratch_bytes(in.batch, in.d));
  kernels::bpr_loss_fused_cuda({in.batch, du.get(), dp.get(), dn.get()}, in.d, ur.get(), ir.get(), u0.get(), i0.get(),
                               reg, gu.get(), gi.get(), gu0.get(), gi0.get(), loss.get(), deterministic, scratch.get(),
                               nullptr);
  return {gu.host(), gi.host(), gu0.host(), gi0.host(), loss.host()};
}

TEST(BprGpu, MatchesCpuInBothModesAndDeterministicModeIsBitIdentical) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const BprInputs in(seed);
  const float reg = 0.01f;
  std::vector<float> gu(in.user_rep.size(), 0.f), gi(in.item_rep.size(), 0.f), gu0(in.user0.size(), 0.f),
      gi0(in.item0.size(), 0.f);
  const auto ref = kernels::bpr_loss_fused_cpu({in.batch, in.u.data(), in.p.data(), in.n.data()}, in.d,
                                               in.user_rep.data(), in.item_rep.data(), in.user0.data(), in.item0.data(),
                                               reg, gu.data(), gi.data(), gu0.data(), gi0.data());
  for (bool det : {false, true}) {
    const BprRun r = run_bpr_gpu(in, det, reg);
    const std::string mode = det ? "deterministic" : "atomic";
    // Per-triple terms are O(1/B); sums of up to ~300 of them in another order.
    EXPECT_TRUE(testing::all_close(r.gu, gu, 1e-6, 1e-4, mode + " grad user rep"));
    EXPECT_TRUE(testing::all_close(r.gi, gi, 1e-6, 1e-4, mode + " grad item rep"));
    EXPECT_TRUE(testing::all_close(r.gu0, gu0, 1e-6, 1e-4, mode + " grad user emb0"));
    EXPECT_TRUE(testing::all_close(r.gi0, gi0, 1e-6, 1e-4, mode + " grad item emb0"));
    EXPECT_NEAR(r.loss[0], ref.bpr, 1e-4 * ref.bpr) << mode;
    EXPECT_NEAR(r.loss[1], ref.reg, 1e-4 * ref.reg) << mode;
  }
  const BprRun a = run_bpr_gpu(in, true, reg), b = run_bpr_gpu(in, true, reg);
  EXPECT_TRUE(testing::bit_identical(a.gu, b.gu, "deterministic grad user rep"));
  EXPECT_TRUE(testing::bit_identical(a.gi, b.gi, "deterministic grad item rep"));
  EXPECT_TRUE(testing::bit_identical(a.gu0, b.gu0, "deterministic grad user emb0"));
  EXPECT_TRUE(testing::bit_identical(a.gi0, b.gi0, "deterministic grad item emb0"));
  EXPECT_TRUE(testing::bit_identical(a.loss, b.loss, "deterministic loss"));
}

TEST(AdamGpu, MatchesCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t n = 1003 * 36;
  const auto param = testing::random_dense(n, seed), grad = testing::random_dense(n, seed + 1);
  auto m = testing::random_dense(n, seed + 2), v = testing::random_dense(n, seed + 3);
  for (auto& x : v) x = std::fabs(x);
  kernels::AdamParams p;
  p.step = 11;
  auto cp = param, cm = m, cv = v;
  kernels::adam_dense_cpu(n, p, cp.data(), grad.data(), cm.data(), cv.data());
  DeviceArray<float> dp(param), dg(grad), dm(m), dv(v);
  kernels::adam_dense_cuda(n, p, dp.get(), dg.get(), dm.get(), dv.get(), nullptr);
  // Same operation order; sqrtf and division may differ by an ulp.
  EXPECT_TRUE(testing::all_close(dp.host(), cp, 1e-7, 1e-6, "param"));
  EXPECT_TRUE(testing::all_close(dm.host(), cm, 1e-7, 1e-6, "m"));
  EXPECT_TRUE(testing::all_close(dv.host(), cv, 1e-7, 1e-6, "v"));
}

// bf16 storage: the same Philox bits on both sides, so a result differs only where the float32
// step differs by an ulp (the GPU contracts to FMA) across a rounding threshold: by one bf16 step,
// with probability about 2^-16 per value; allowed in at most 1 in 1,000 values.
TEST(AdamGpu, Bf16StepRoundsLikeTheCpu) {
  MMGRAPH_REQUIRE_GPU();
  const int64_t n = 100003;
  std::vector<uint16_t> param(n), m(n), v(n);
  const auto values = testing::random_dense(3 * n, 5);
  for (int64_t e = 0; e < n; ++e) {
    param[e] = kernels::float_to_bf16(values[e]);
    m[e] = kernels::float_to_bf16(1e-2f * values[n + e]);
    v[e] = kernels::float_to_bf16(1e-4f * values[2 * n + e] * values[2 * n + e]);
  }
  const auto grad = testing::random_dense(n, 6);
  kernels::AdamParams p;
  p.step = 11;
  auto cp = param, cm = m, cv = v;
  kernels::adam_bf16_cpu(n, p, 77, 1000, cp.data(), grad.data(), cm.data(), cv.data());
  DeviceArray<uint16_t> dp(param), dm(m), dv(v);
  DeviceArray<float> dg(grad);
  kernels::adam_bf16_cuda(n, p, 77, 1000, dp.get(), dg.get(), dm.get(), dv.get(), nullptr);
  for (const auto& [gpu, cpu, name] : {std::tuple{dp.host(), cp, "param"}, {dm.host(), cm, "m"}, {dv.host(), cv, "v"}}) {
    int64_t differ = 0;
    for (int64_t e = 0; e < n; ++e) {
      differ += gpu[e] != cpu[e];
      EXPECT_LE(std::abs(int{gpu[e]} - int{cpu[e]}), 1) << name << " " << e;
    }
    EXPECT_LE(differ, n / 1000) << name;
  }
}

TEST(SamplerGpu, DrawsExactlyTheCpuTriples) {
  MMGRAPH_REQUIRE_GPU();
  const auto train = testing::random_csr(500, 300, 10, 77, 0, 299);  // user 0 has seen all but one item
  std::vector<int32_t> pair_user;
  for (int32_t u = 0; u < 500; ++u)
    for (int64_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) pair_user.push_back(u);
  const int64_t n = static_cast<int64_t>(pair_user.size());
  const kernels::SamplerInputs cpu_in{n, pair_user.data(), train.col.data(), train.row_ptr.data(), train.col.data(), 300};
  DeviceArray<int32_t> pu(pair_user), col(train.col);
  DeviceArray<int64_t> rp(train.row_ptr);
  const kernels::SamplerInputs gpu_in{n, pu.get(), col.get(), rp.get(), col.get(), 300};
  for (uint64_t epoch : {0ull, 5ull}) {
    const int64_t first = 37, count = n - 50;
    std::vector<int32_t> u(count), p(count), g(count);
    kernels::sample_bpr_triples_cpu(cpu_in, 123, epoch, first, count, u.data(), p.data(), g.data());
    auto du = DeviceArray<int32_t>::poisoned(count), dp = DeviceArray<int32_t>::poisoned(count),
         dg = DeviceArray<int32_t>::poisoned(count);
    kernels::sample_bpr_triples_cuda(gpu_in, 123, epoch, first, count, du.get(), dp.get(), dg.get(), nullptr);
    EXPECT_EQ(du.host(), u);
    EXPECT_EQ(dp.host(), p);
    EXPECT_EQ(dg.host(), g);
  }
  // With a pool of negatives (every third item), as the trainer draws them.
  std::vector<int32_t> pool;
  for (int32_t i = 0; i < 300; i += 3) pool.push_back(i);
  DeviceArray<int32_t> dpool(pool);
  kernels::SamplerInputs cpu_pool = cpu_in, gpu_pool = gpu_in;
  cpu_pool.n_items = gpu_pool.n_items = static_cast<int32_t>(pool.size());
  cpu_pool.item_pool = pool.data();
  gpu_pool.item_pool = dpool.get();
  std::vector<int32_t> u(n), p(n), g(n);
  kernels::sample_bpr_triples_cpu(cpu_pool, 9, 1, 0, n, u.data(), p.data(), g.data());
  auto du = DeviceArray<int32_t>::poisoned(n), dp = DeviceArray<int32_t>::poisoned(n),
       dg = DeviceArray<int32_t>::poisoned(n);
  kernels::sample_bpr_triples_cuda(gpu_pool, 9, 1, 0, n, du.get(), dp.get(), dg.get(), nullptr);
  EXPECT_EQ(dg.host(), g);
}

// A CSR mask copied to the device, as the GPU top-K takes it.
struct DeviceMask {
  explicit DeviceMask(const kernels::CsrHost& m) : row_ptr(m.row_ptr), col(m.col) {
    masks.mask[masks.count++] =
        kernels::CsrView{m.n_rows, m.n_cols, static_cast<int64_t>(m.col.size()), row_ptr.get(), col.get(), nullptr};
  }
  DeviceArray<int64_t> row_ptr;
  DeviceArray<int32_t> col;
  kernels::RowMasks masks;
};

TEST(TopkGpu, MatchesCpuWithTiesMasksAndShortRows) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto& [rows, cols, k] : {std::tuple<int64_t, int64_t, int>{37, 1007, 20}, {5, 40, 100}, {64, 5000, 100},
                                     {3, 7, 1}, {10, 300, 50}}) {
    std::vector<float> scores(rows * cols);
    std::uniform_int_distribution<int> coarse(-300, 300);  // many ties
    for (auto& s : scores) s = static_cast<float>(coarse(rng)) / 16.0f;
    // Signed zeros tie with each other (lower id first), as on the CPU.
    for (size_t e = 0; e < scores.size(); e += 3)
      if (scores[e] == 0.0f) scores[e] = -0.0f;
    auto mask = testing::random_csr(rows + 3, cols, static_cast<double>(cols) / 4, seed + rows);
    // User 3 + 1 (row 1 of the block) has every item masked: k slots of -1.
    {
      kernels::CsrHost full;
      full.n_rows = mask.n_rows;
      full.n_cols = cols;
      full.row_ptr.push_back(0);
      for (int64_t u = 0; u < mask.n_rows; ++u) {
        if (u == 4) {
          for (int64_t c = 0; c < cols; ++c) full.col.push_back(static_cast<int32_t>(c));
        } else {
          full.col.insert(full.col.end(), mask.col.begin() + mask.row_ptr[u], mask.col.begin() + mask.row_ptr[u + 1]);
        }
        full.row_ptr.push_back(static_cast<int64_t>(full.col.size()));
      }
      mask = std::move(full);
    }
    kernels::RowMasks cpu_masks;
    cpu_masks.mask[cpu_masks.count++] = mask.view();
    std::vector<int32_t> idx(rows * k);
    std::vector<float> val(rows * k);
    kernels::topk_masked_rows_cpu(rows, cols, scores.data(), cols, 3, cpu_masks, k, idx.data(), val.data());
    DeviceArray<float> ds(scores);
    const DeviceMask gpu_mask(mask);
    auto di = DeviceArray<int32_t>::poisoned(idx.size());
    auto dv = DeviceArray<float>::poisoned(val.size());
    kernels::topk_masked_rows_cuda(rows, cols, ds.get(), cols, 3, gpu_mask.masks, k, di.get(), dv.get(), nullptr);
    const auto gi = di.host();
    const auto gv = dv.host();
    // Same tie rule on both sides, so indices agree exactly; values must match.
    EXPECT_EQ(gv, val) << rows << "x" << cols << " k=" << k;
    EXPECT_EQ(gi, idx) << rows << "x" << cols << " k=" << k;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int32_t> row(gi.begin() + r * k, gi.begin() + (r + 1) * k);
      std::erase(row, -1);
      std::sort(row.begin(), row.end());
      EXPECT_EQ(std::adjacent_find(row.begin(), row.end()), row.end()) << "index twice in row " << r;
    }
  }
}

TEST(TopkGpu, NonFiniteScoresMatchCpuAndFillEverySlot) {
  // NaN (both signs), +-inf and finite scores with masks: the twins share one total
  // order (topk_order_key), so the items agree exactly and every slot is a real item or -1.
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t rows = 9, cols = 333;
  const int k = 100;
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  std::vector<float> scores(rows * cols);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 9);
  for (auto& s : scores) {
    const int p = pick(rng);
    s = p < 4 ? specials[p] : u(rng);
  }
  const auto mask = testing::random_csr(rows, cols, static_cast<double>(cols) / 3, seed + 1);
  kernels::RowMasks cpu_masks;
  cpu_masks.mask[cpu_masks.count++] = mask.view();
  std::vector<int32_t> idx(rows * k);
  kernels::topk_masked_rows_cpu(rows, cols, scores.data(), cols, 0, cpu_masks, k, idx.data(), nullptr);
  DeviceArray<float> ds(scores);
  const DeviceMask gpu_mask(mask);
  auto di = DeviceArray<int32_t>::poisoned(idx.size());
  kernels::topk_masked_rows_cuda(rows, cols, ds.get(), cols, 0, gpu_mask.masks, k, di.get(), nullptr, nullptr);
  const auto gi = di.host();
  EXPECT_EQ(gi, idx);
  for (const int32_t i : gi) EXPECT_TRUE(i >= -1 && i < cols) << i;
}

TEST(MetricsGpu, MatchCpuSums) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t rows = 777, items = 200;
  const int k = 50;
  std::vector<int32_t> top(rows * k);
  for (auto& t : top) t = static_cast<int32_t>(rng() % (items + 20)) - 20 < 0 ? -1 : static_cast<int32_t>(rng() % items);
  const auto truth = testing::random_csr(rows + 10, items, 4, seed + 1);
  const int cut[] = {5, 20, 50};
  std::vector<kernels::MetricSum> sums(15, 0);
  int64_t counted = 0;
  kernels::ranking_metrics_cpu(rows, k, top.data(), 10, truth.view(), cut, 3, sums.data(), &counted);
  DeviceArray<int32_t> dtop(top), tcol(truth.col);
  DeviceArray<int64_t> trp(truth.row_ptr);
  DeviceArray<kernels::MetricSum> dsums(std::vector<kernels::MetricSum>(15, 0));
  DeviceArray<int64_t> dcount(std::vector<int64_t>{0});
  const kernels::CsrView tv{truth.n_rows, truth.n_cols, static_cast<int64_t>(truth.col.size()), trp.get(), tcol.get(), nullptr};
  kernels::ranking_metrics_cuda(rows, k, dtop.get(), 10, tv, cut, 3, dsums.get(), dcount.get(), nullptr);
  EXPECT_EQ(dcount.host()[0], counted);
  const auto got = dsums.host();
  // Per-row values are the same double operations (the device's log2 may differ from the host's in
  // the last bit, moving a row's term by one unit of 2^-62); the sums are exact integers.
  for (size_t m = 0; m < sums.size(); ++m) {
    const double g = kernels::metric_sum_value(got[m]), c = kernels::metric_sum_value(sums[m]);
    EXPECT_NEAR(g, c, 1e-12 * std::max(1.0, c)) << m;
  }
  // Integer sums: a second accumulation from zero gives the same bits.
  DeviceArray<kernels::MetricSum> dsums2(std::vector<kernels::MetricSum>(15, 0));
  DeviceArray<int64_t> dcount2(std::vector<int64_t>{0});
  kernels::ranking_metrics_cuda(rows, k, dtop.get(), 10, tv, cut, 3, dsums2.get(), dcount2.get(), nullptr);
  const auto again = dsums2.host();
  for (size_t m = 0; m < sums.size(); ++m) EXPECT_TRUE(again[m] == got[m]) << "metric sums second run, " << m;
}

TEST(DeviceBuffer, OutOfMemoryStatesRequestedAndFreeBytes) {
  MMGRAPH_REQUIRE_GPU();
  try {
    detail::DeviceBuffer<float> huge(size_t{1} << 45, "test buffer");
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bytes requested"), std::string::npos) << what;
    EXPECT_NE(what.find("free"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace mmgraph
