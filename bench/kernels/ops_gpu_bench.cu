// GPU top-K (ours vs a CUB segmented radix sort of whole rows), fused BPR,
// Adam and the sampler at LightGCN-on-Baby/Elec sizes.
#include <cub/device/device_segmented_radix_sort.cuh>

#include "bench_graphs.h"
#include "gpu_bench_common.h"
#include "kernels/adam.h"
#include "kernels/bpr.h"
#include "kernels/sampler.h"
#include "kernels/topk.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

// A block of `rows` users scored against `items` items, top-100, no masks.
void topk_mmgraph(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t rows = state.range(0), items = state.range(1);
  const int k = 100;
  Dev<float> scores(random_values(rows * items, 5));
  Dev<int32_t> idx(static_cast<size_t>(rows * k));
  kernels::RowMasks none;
  run_timed(state, [&] { kernels::topk_masked_rows_cuda(rows, items, scores.p, items, 0, none, k, idx.p, nullptr, nullptr); });
  report(state, 4.0 * static_cast<double>(rows * items), 0);
  state.SetLabel(std::to_string(rows) + " users x " + std::to_string(items) + " items, K=100");
}

// Baseline: sort every row completely (keys = scores, values = item ids).
void topk_cub_segmented_sort(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t rows = state.range(0), items = state.range(1);
  const int64_t n = rows * items;
  Dev<float> keys(random_values(n, 5)), keys_out(static_cast<size_t>(n));
  std::vector<int32_t> ids(static_cast<size_t>(n)), offsets(static_cast<size_t>(rows + 1));
  for (int64_t e = 0; e < n; ++e) ids[e] = static_cast<int32_t>(e % items);
  for (int64_t r = 0; r <= rows; ++r) offsets[r] = static_cast<int32_t>(r * items);
  Dev<int32_t> vals(ids), vals_out(static_cast<size_t>(n)), off(offsets);
  size_t temp = 0;
  MMGRAPH_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(nullptr, temp, keys.p, keys_out.p, vals.p, vals_out.p,
                                                                        static_cast<int>(n), static_cast<int>(rows), off.p,
                                                                        off.p + 1));
  Dev<char> temp_storage(temp);
  run_timed(state, [&] {
    MMGRAPH_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(
        temp_storage.p, temp, keys.p, keys_out.p, vals.p, vals_out.p, static_cast<int>(n), static_cast<int>(rows), off.p,
        off.p + 1));
  });
  report(state, 4.0 * static_cast<double>(n), 0);
  state.SetLabel("full sort of every row");
}

BENCHMARK(topk_mmgraph)->Args({4096, 7050})->Args({4096, 63001})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(topk_cub_segmented_sort)->Args({4096, 7050})->Args({4096, 63001})->UseManualTime()->Unit(benchmark::kMicrosecond);

void bpr_fused(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t users = 19445, items = 7050, d = 64, batch = 2048;
  const bool det = state.range(0) != 0;
  Dev<float> ur(random_values(users * d, 1)), ir(random_values(items * d, 2)), gu(users * d), gi(items * d);
  std::vector<int32_t> u(batch), p(batch), n(batch);
  for (int64_t b = 0; b < batch; ++b) {
    u[b] = static_cast<int32_t>((b * 7919) % users);
    p[b] = static_cast<int32_t>((b * 104729) % items);
    n[b] = static_cast<int32_t>((b * 1299709 + 1) % items);
  }
  Dev<int32_t> du(u), dp(p), dn(n);
  Dev<float> loss(2);
  Dev<char> scratch(kernels::bpr_scratch_bytes(batch, d));
  run_timed(state, [&] {
    kernels::bpr_loss_fused_cuda({batch, du.p, dp.p, dn.p}, d, ur.p, ir.p, ur.p, ir.p, 1e-4f, gu.p, gi.p, gu.p, gi.p, loss.p,
                                 det, scratch.p, nullptr);
  });
  report(state, batch * (3.0 * d * 4 * 2), batch * 12.0 * d);  // gather 3 rows, scatter 3 rows
  state.SetLabel(det ? "deterministic" : "atomics");
}
BENCHMARK(bpr_fused)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMicrosecond);

void adam_dense(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t n = state.range(0) * 64;
  Dev<float> p(random_values(n, 1)), g(random_values(n, 2)), m(random_values(n, 3)), v(random_values(n, 4));
  kernels::AdamParams ap;
  ap.step = 10;
  run_timed(state, [&] { kernels::adam_dense_cuda(n, ap, p.p, g.p, m.p, v.p, nullptr); });
  report(state, 7.0 * 4.0 * static_cast<double>(n), 12.0 * static_cast<double>(n));  // 4 reads, 3 writes
  state.SetLabel(std::to_string(state.range(0)) + " rows x 64");
}
BENCHMARK(adam_dense)->Arg(26495)->Arg(255404)->Arg(4000000)->UseManualTime()->Unit(benchmark::kMicrosecond);

void sampler(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const auto& a = lightgcn_adjacency(kGraphs[state.range(0)]);
  const int32_t users = kGraphs[state.range(0)].users;
  // User rows of the adjacency are the training interactions (item ids offset by U).
  std::vector<int64_t> rp(a.row_ptr.begin(), a.row_ptr.begin() + users + 1);
  std::vector<int32_t> col(a.col.begin(), a.col.begin() + rp[users]), pair_user(col.size());
  for (auto& c : col) c -= users;
  for (int32_t u = 0; u < users; ++u)
    for (int64_t k = rp[u]; k < rp[u + 1]; ++k) pair_user[k] = u;
  Dev<int64_t> drp(rp);
  Dev<int32_t> dcol(col), dpu(pair_user);
  const int64_t batch = 2048;
  Dev<int32_t> ou(batch), op(batch), on(batch);
  const kernels::SamplerInputs in{static_cast<int64_t>(col.size()), dpu.p, dcol.p, drp.p, dcol.p,
                                  static_cast<int32_t>(a.n_rows - users)};
  run_timed(state, [&] { kernels::sample_bpr_triples_cuda(in, 1, 0, 0, batch, ou.p, op.p, on.p, nullptr); });
  report(state, batch * 3.0 * 4, 0);
  state.SetLabel(std::string(kGraphs[state.range(0)].name) + ", batch 2048");
}
BENCHMARK(sampler)->Arg(0)->Arg(2)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mmgraph::bench
