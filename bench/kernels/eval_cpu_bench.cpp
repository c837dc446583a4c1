// One block of CPU full-ranking evaluation as the evaluator runs it (CpuDevice::topk_of_rows): the
// scores of `users` users against every item by one cblas_sgemm (d = 64), then the masked top-50 of
// each row (kernels/topk.h; ten training items masked a user). Items: Amazon Elec's 63,001 and the
// 10x-Elec catalogue's 2,000,000. The counters split the block's time into its GEMM and its top-k and
// give the block's rate in users per second and the GEMM's FLOP rate; gemm_share near 1 means the
// evaluation runs at the GEMM's rate. A whole pass takes users_to_rank / users_per_second.
//   build/mmgraph_bench --benchmark_filter=full_ranking_block_cpu
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "kernels/topk.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

void full_ranking_block_cpu(benchmark::State& state) {
  const int64_t n_items = state.range(0), users = state.range(1), d = 64, masked = 10;
  const int k = 50;
  const auto user_rep = random_values(users * d, 11), item_rep = random_values(n_items * d, 12);
  std::vector<int64_t> row_ptr = {0};
  std::vector<int32_t> col;
  std::mt19937_64 rng(13);
  for (int64_t u = 0; u < users; ++u) {
    std::vector<int32_t> items(masked);
    for (auto& i : items) i = static_cast<int32_t>(rng() % static_cast<uint64_t>(n_items));
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    col.insert(col.end(), items.begin(), items.end());
    row_ptr.push_back(static_cast<int64_t>(col.size()));
  }
  kernels::RowMasks masks;
  masks.mask[0] = {users, n_items, static_cast<int64_t>(col.size()), row_ptr.data(), col.data(), nullptr};
  masks.count = 1;
  std::vector<float> scores(static_cast<size_t>(users * n_items)), top_scores(static_cast<size_t>(users * k));
  std::vector<int32_t> top(static_cast<size_t>(users * k));
  double gemm_seconds = 0, topk_seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(users), static_cast<int>(n_items),
                static_cast<int>(d), 1.0f, user_rep.data(), static_cast<int>(d), item_rep.data(),
                static_cast<int>(d), 0.0f, scores.data(), static_cast<int>(n_items));
    const auto t1 = std::chrono::steady_clock::now();
    kernels::topk_masked_rows_cpu(users, n_items, scores.data(), n_items, 0, masks, k, top.data(), top_scores.data());
    const auto t2 = std::chrono::steady_clock::now();
    gemm_seconds += std::chrono::duration<double>(t1 - t0).count();
    topk_seconds += std::chrono::duration<double>(t2 - t1).count();
    state.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
    benchmark::DoNotOptimize(top.data());
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["users_per_second"] =
      benchmark::Counter(static_cast<double>(users), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["gemm_flop_per_second"] =
      2.0 * static_cast<double>(users) * static_cast<double>(n_items) * d * iterations / gemm_seconds;
  state.counters["gemm_share"] = gemm_seconds / (gemm_seconds + topk_seconds);
  state.counters["topk_seconds"] = topk_seconds / iterations;
  state.counters["gemm_seconds"] = gemm_seconds / iterations;
  state.SetLabel("items=" + std::to_string(n_items) + " users=" + std::to_string(users) + " d=64 k=50");
}
BENCHMARK(full_ranking_block_cpu)
    ->Args({63001, 4096})
    ->Args({2000000, 256})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mmgraph::bench
