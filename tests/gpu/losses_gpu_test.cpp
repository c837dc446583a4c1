// GPU row gather/scatter, pointwise (MSE, BCE), WARP and InfoNCE losses and the
// negative sampler against their CPU twins: random sizes with the seed printed,
// widths 1, 13, 64, 100 (and a misaligned table for the scalar gather), B = 0
// and 1, hot rows that many examples share, poisoned outputs; the deterministic
// modes are bit-identical on repeat, the atomic ones within tolerance.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/src/device_buffer.h"
#include "gpu/gpu_test_util.h"
#include "kernels/infonce.h"
#include "kernels/negative_sampler.h"
#include "kernels/pointwise_loss.h"
#include "kernels/row_gather.h"
#include "kernels/warp_loss.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

using testing::DeviceArray;

// n indices into [0, rows), a third of them into the first 3 rows (hot rows).
std::vector<int32_t> random_rows(int64_t n, int64_t rows, std::mt19937_64& rng) {
  std::vector<int32_t> idx(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) idx[r] = static_cast<int32_t>(rng() % (r % 3 == 0 ? std::min<int64_t>(3, rows) : rows));
  return idx;
}

std::string sizes(int64_t n, int64_t d) { return "n " + std::to_string(n) + " d " + std::to_string(d); }

// Largest |after - before|: the scale of the added gradient parts, and so of the
// absolute tolerances below (a sum of K terms in another float order differs by
// ~sqrt(K) eps of its terms; 1e-5 of the largest sum leaves ample room, and a
// missing or doubled contribution to a row of few terms is still far outside it).
double max_change(const std::vector<float>& after, const std::vector<float>& before) {
  double m = 0;
  for (size_t e = 0; e < after.size(); ++e)
    m = std::max(m, std::fabs(static_cast<double>(after[e]) - before[e]));
  return m;
}

TEST(RowGatherGpu, GatherAndScatterMatchCpu) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const int64_t d : {1, 13, 64, 100}) {
    for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{997}, static_cast<int64_t>(200 + rng() % 3000)}) {
      SCOPED_TRACE(sizes(n, d));
      const int64_t rows = 101;
      auto idx = random_rows(n, rows, rng);
      for (int64_t r = 5; r < n; r += 7) idx[r] = -1;  // padded batch rows: gathered as zeros, scattered nowhere
      const auto table = testing::random_dense(rows * d, seed + 1);
      const auto batch = testing::random_dense(n * d, seed + 2);
      DeviceArray<int32_t> didx(idx);
      // Gather, float4 path (d % 4 == 0, aligned) and, with the table 4 bytes off, the scalar path.
      std::vector<float> ref(n * d);
      kernels::gather_rows_cpu(n, d, idx.data(), table.data(), ref.data());
      std::vector<float> padded(table.size() + 1);
      std::copy(table.begin(), table.end(), padded.begin() + 1);
      DeviceArray<float> dtable(table), dpadded(padded);
      for (const float* src : {static_cast<const float*>(dtable.get()), static_cast<const float*>(dpadded.get()) + 1}) {
        auto out = DeviceArray<float>::poisoned(n * d);
        kernels::gather_rows_cuda(n, d, didx.get(), src, out.get(), nullptr);
        EXPECT_TRUE(testing::bit_identical(out.host(), ref, "gather"));
      }
      // Scatter into a table that already holds values.
      auto sref = table;
      kernels::scatter_add_rows_cpu(n, d, idx.data(), batch.data(), sref.data());
      DeviceArray<float> dbatch(batch);
      detail::DeviceBuffer<char> scratch(kernels::scatter_add_rows_scratch_bytes(n, d), "test scratch");
      // Magnitude |table| + sum |rows added|: float sums of the same terms in another
      // order stay within ~sqrt(terms) eps of it (hot rows get ~n/9 terms).
      std::vector<float> magnitude(table.size());
      for (size_t e = 0; e < table.size(); ++e) magnitude[e] = std::fabs(table[e]);
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < d && idx[r] >= 0; ++j) magnitude[idx[r] * d + j] += std::fabs(batch[r * d + j]);
      std::vector<std::vector<float>> det;
      for (const bool deterministic : {false, true, true}) {
        DeviceArray<float> dst(table);
        kernels::scatter_add_rows_cuda(n, d, didx.get(), dbatch.get(), dst.get(), deterministic, scratch.get(),
                                       nullptr);
        const auto got = dst.host();
        EXPECT_TRUE(testing::all_close(got, sref, 1e-7, 1e-5, deterministic ? "scatter deterministic" : "scatter atomic",
                                       &magnitude));
        if (deterministic) det.push_back(got);
      }
      EXPECT_TRUE(testing::bit_identical(det[0], det[1], "deterministic scatter repeat"));
    }
  }
}

struct PairProblem {
  int64_t users = 211, items = 333;
  std::vector<float> user_rep, item_rep, grad_user, grad_item;
  std::vector<int32_t> u, i;
};

PairProblem make_pair_problem(uint64_t seed, int64_t b, int64_t d, std::mt19937_64& rng) {
  PairProblem pr;
  pr.user_rep = testing::random_dense(pr.users * d, seed + 1);
  pr.item_rep = testing::random_dense(pr.items * d, seed + 2);
  // Gradients are added to these; small, so that the added parts dominate the comparison.
  pr.grad_user = testing::random_dense(pr.users * d, seed + 3);
  pr.grad_item = testing::random_dense(pr.items * d, seed + 4);
  for (auto& g : pr.grad_user) g *= 0.01f;
  for (auto& g : pr.grad_item) g *= 0.01f;
  pr.u = random_rows(b, pr.users, rng);
  pr.i = random_rows(b, pr.items, rng);
  return pr;
}

struct LossRun {
  std::vector<float> grad_user, grad_item, loss;
};

// Runs a (user, item) loss on the GPU in both modes against the CPU's gradients
// gu, gi (added to pr.grad_*) and loss `ref`; the deterministic mode twice,
// bit for bit. run(deterministic) returns the GPU's result.
template <typename Run>
void expect_both_modes_match(const Run& run, const PairProblem& pr, const std::vector<float>& gu,
                             const std::vector<float>& gi, double ref) {
  for (const bool deterministic : {false, true}) {
    const LossRun r = run(deterministic);
    const std::string mode = deterministic ? "deterministic" : "atomic";
    // float32 scores (d terms) against float64 ones (~1e-7 relative), then the
    // per-example rows summed in another order (see max_change).
    EXPECT_TRUE(testing::all_close(r.grad_user, gu, 1e-5 * max_change(gu, pr.grad_user), 1e-6, mode + " grad user"));
    EXPECT_TRUE(testing::all_close(r.grad_item, gi, 1e-5 * max_change(gi, pr.grad_item), 1e-6, mode + " grad item"));
    EXPECT_NEAR(r.loss[0], ref, 1e-5 + 1e-4 * std::fabs(ref)) << mode;
  }
  const LossRun a = run(true), c = run(true);
  EXPECT_TRUE(testing::bit_identical(a.grad_user, c.grad_user, "deterministic grad user"));
  EXPECT_TRUE(testing::bit_identical(a.grad_item, c.grad_item, "deterministic grad item"));
  EXPECT_TRUE(testing::bit_identical(a.loss, c.loss, "deterministic loss"));
}

TEST(PointwiseLossGpu, MseAndBceMatchCpuInBothModes) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const auto kind : {kernels::PointwiseLoss::kMse, kernels::PointwiseLoss::kBce}) {
    for (const int64_t d : {1, 13, 64, 100}) {
      for (const int64_t b : {int64_t{0}, int64_t{1}, static_cast<int64_t>(500 + rng() % 2000)}) {
        SCOPED_TRACE(std::string(kind == kernels::PointwiseLoss::kMse ? "mse " : "bce ") + sizes(b, d));
        const PairProblem pr = make_pair_problem(seed, b, d, rng);
        std::vector<float> targets(static_cast<size_t>(b));
        for (auto& y : targets) y = static_cast<float>(rng() % 2);
        const float weight = 0.75f;
        auto gu = pr.grad_user, gi = pr.grad_item;
        const double ref = kernels::pointwise_loss_fused_cpu(kind, b, d, pr.u.data(), pr.i.data(), targets.data(),
                                                             pr.user_rep.data(), pr.item_rep.data(), weight,
                                                             gu.data(), gi.data());
        DeviceArray<float> ur(pr.user_rep), ir(pr.item_rep), dy(targets);
        DeviceArray<int32_t> du(pr.u), di(pr.i);
        detail::DeviceBuffer<char> scratch(kernels::pointwise_loss_scratch_bytes(b, d), "test scratch");
        auto run = [&](bool deterministic) {
          DeviceArray<float> dgu(pr.grad_user), dgi(pr.grad_item);
          auto loss = DeviceArray<float>::poisoned(1);
          kernels::pointwise_loss_fused_cuda(kind, b, d, du.get(), di.get(), dy.get(), ur.get(), ir.get(), weight,
                                             dgu.get(), dgi.get(), loss.get(), deterministic, scratch.get(), nullptr);
          return LossRun{dgu.host(), dgi.host(), loss.host()};
        };
        expect_both_modes_match(run, pr, gu, gi, ref);
      }
    }
  }
}

// Values k / 8 with k in [-8, 8] \ {0}: every score and every violation margin
// is exact in float32 and float64 (multiples of 1/64 below 2^13), so the GPU and
// the CPU find the same violators, exact ties at 0 included.
std::vector<float> eighths(int64_t n, std::mt19937_64& rng) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    const auto k = static_cast<int>(rng() % 16);
    x = static_cast<float>(k < 8 ? k - 8 : k - 7) / 8.0f;
  }
  return v;
}

TEST(WarpLossGpu, MatchesCpuInBothModes) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const int t_count : {1, 5, 20}) {
    for (const int64_t d : {1, 13, 64, 100}) {
      for (const int64_t b : {int64_t{0}, int64_t{1}, static_cast<int64_t>(300 + rng() % 1500)}) {
        SCOPED_TRACE(sizes(b, d) + " T " + std::to_string(t_count));
        PairProblem pr = make_pair_problem(seed, b, d, rng);
        pr.user_rep = eighths(pr.users * d, rng);
        pr.item_rep = eighths(pr.items * d, rng);
        std::vector<int32_t> cand(static_cast<size_t>(b * t_count));
        for (auto& c : cand) c = static_cast<int32_t>(rng() % pr.items);
        const float margin = 0.5f, weight = 1.25f;
        auto gu = pr.grad_user, gi = pr.grad_item;
        const double ref = kernels::warp_loss_fused_cpu(b, d, t_count, pr.items, pr.u.data(), pr.i.data(),
                                                        cand.data(), margin, pr.user_rep.data(), pr.item_rep.data(),
                                                        weight, gu.data(), gi.data());
        DeviceArray<float> ur(pr.user_rep), ir(pr.item_rep);
        DeviceArray<int32_t> du(pr.u), dp(pr.i), dc(cand);
        detail::DeviceBuffer<char> scratch(kernels::warp_loss_scratch_bytes(b, d), "test scratch");
        auto run = [&](bool deterministic) {
          DeviceArray<float> dgu(pr.grad_user), dgi(pr.grad_item);
          auto loss = DeviceArray<float>::poisoned(1);
          kernels::warp_loss_fused_cuda(b, d, t_count, pr.items, du.get(), dp.get(), dc.get(), margin, ur.get(),
                                        ir.get(), weight, dgu.get(), dgi.get(), loss.get(), deterministic,
                                        scratch.get(), nullptr);
          return LossRun{dgu.host(), dgi.host(), loss.host()};
        };
        // Same violators (exact scores), so the same tolerances as the pointwise losses.
        expect_both_modes_match(run, pr, gu, gi, ref);
      }
    }
  }
}

// A cuBLAS handle on the default stream for the test's lifetime.
struct Cublas {
  cublasHandle_t handle = nullptr;
  Cublas() { MMGRAPH_CUDA_CHECK(cublasCreate(&handle)); }
  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;
  ~Cublas() { cublasDestroy(handle); }
};

TEST(InfonceGpu, MatchesCpuAndRepeatsBitForBit) {
  MMGRAPH_REQUIRE_GPU();
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const Cublas cublas;
  for (const int64_t d : {1, 13, 64, 100}) {
    for (const int64_t b : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{37}, static_cast<int64_t>(100 + rng() % 900)}) {
      SCOPED_TRACE(sizes(b, d));
      auto a = testing::random_dense(b * d, seed + 1), bv = testing::random_dense(b * d, seed + 2);
      if (b > 5)
        for (int64_t j = 0; j < d; ++j) a[5 * d + j] = a[j];  // a repeated row
      auto init_a = testing::random_dense(b * d, seed + 3), init_b = testing::random_dense(b * d, seed + 4);
      for (auto& g : init_a) g *= 0.01f;  // gradients are added to these
      for (auto& g : init_b) g *= 0.01f;
      const float t = 0.2f, w = 0.5f;
      auto ga = init_a, gb = init_b;
      // Every other size runs with row multiplicities (0 included) out of their sum.
      std::vector<int32_t> counts;
      int64_t total = b;
      if (b % 2 == 1) {
        for (int64_t r = 0; r < b; ++r) counts.push_back(static_cast<int32_t>(rng() % 4));
        counts[0] = 1;
        total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
      }
      const int32_t* host_counts = counts.empty() ? nullptr : counts.data();
      const double ref = kernels::infonce_loss_fused_cpu(b, d, a.data(), bv.data(), host_counts, total, t, w,
                                                         ga.data(), gb.data());
      DeviceArray<int32_t> dcounts(counts);
      DeviceArray<float> da(a), db(bv);
      detail::DeviceBuffer<char> scratch(kernels::infonce_scratch_bytes(b, d), "test scratch");
      auto run = [&] {
        DeviceArray<float> dga(init_a), dgb(init_b);
        auto loss = DeviceArray<float>::poisoned(1);
        kernels::infonce_loss_fused_cuda(b, d, da.get(), db.get(), counts.empty() ? nullptr : dcounts.get(), total,
                                         t, w, dga.get(), dgb.get(), loss.get(),
                                         scratch.get(), cublas.handle, nullptr);
        return LossRun{dga.host(), dgb.host(), loss.host()};
      };
      const LossRun r = run();
      // Both twins are float32 (GEMMs in another order, expf vs exp): logits agree to
      // ~1e-6 / t, softmax entries to ~1e-5 relative, and the B-term gradient products
      // to ~1e-4 of the largest gradient part.
      EXPECT_TRUE(testing::all_close(r.grad_user, ga, 1e-4 * max_change(ga, init_a), 1e-6, "grad a"));
      EXPECT_TRUE(testing::all_close(r.grad_item, gb, 1e-4 * max_change(gb, init_b), 1e-6, "grad b"));
      EXPECT_NEAR(r.loss[0], ref, 1e-5 + 1e-5 * std::fabs(ref));
      const LossRun again = run();
      EXPECT_TRUE(testing::bit_identical(r.grad_user, again.grad_user, "repeat grad a"));
      EXPECT_TRUE(testing::bit_identical(r.grad_item, again.grad_item, "repeat grad b"));
      EXPECT_TRUE(testing::bit_identical(r.loss, again.loss, "repeat loss"));
    }
  }
}

TEST(NegativeSamplerGpu, DrawsExactlyTheCpuCandidates) {
  MMGRAPH_REQUIRE_GPU();
  const auto train = testing::random_csr(500, 300, 10, 78, 0, 299);  // user 0 has seen all but one item
  std::vector<int32_t> pair_user;
  for (int32_t u = 0; u < 500; ++u)
    for (int64_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) pair_user.push_back(u);
  const auto n = static_cast<int64_t>(pair_user.size());
  const kernels::SamplerInputs cpu_in{n, pair_user.data(), train.col.data(), train.row_ptr.data(), train.col.data(), 300};
  DeviceArray<int32_t> pu(pair_user), col(train.col);
  DeviceArray<int64_t> rp(train.row_ptr);
  const kernels::SamplerInputs gpu_in{n, pu.get(), col.get(), rp.get(), col.get(), 300};
  for (const int t_count : {1, 7}) {
    for (const int64_t count : {int64_t{0}, int64_t{1}, n - 50}) {
      SCOPED_TRACE("count " + std::to_string(count) + " T " + std::to_string(t_count));
      const int64_t first = 37;
      std::vector<int32_t> users(static_cast<size_t>(count)), pos(users.size()), neg(users.size());
      kernels::sample_bpr_triples_cpu(cpu_in, 123, 4, first, count, users.data(), pos.data(), neg.data());
      std::vector<int32_t> cand(static_cast<size_t>(count * t_count));
      kernels::sample_negatives_cpu(cpu_in, 123, 4, first, count, users.data(), t_count, cand.data());
      DeviceArray<int32_t> du(users);
      auto dcand = DeviceArray<int32_t>::poisoned(cand.size());
      kernels::sample_negatives_cuda(gpu_in, 123, 4, first, count, du.get(), t_count, dcand.get(), nullptr);
      EXPECT_EQ(dcand.host(), cand);
    }
  }
}

}  // namespace
}  // namespace mmgraph
