// CPU SpMM and LightGCN propagation on the field's graph sizes (the CPU
// backend's hot loop). Bytes counted: CSR arrays, one gathered dense row per
// non-zero, and the output, i.e. nnz (8 + 4d) + n (8 + 4d).
#include <benchmark/benchmark.h>

#include "bench_graphs.h"
#include "kernels/lightgcn.h"
#include "kernels/spmm.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

void spmm_cpu(benchmark::State& state) {
  const GraphSpec& g = kGraphs[state.range(0)];
  const int64_t d = state.range(1);
  const auto a = lightgcn_adjacency(g);
  const auto x = random_values(a.n_cols * d, 1);
  std::vector<float> y(static_cast<size_t>(a.n_rows * d));
  for (auto _ : state) {
    kernels::spmm_csr_cpu(a.view(), d, x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  const double nnz = static_cast<double>(a.col.size()), n = static_cast<double>(a.n_rows);
  state.counters["bytes_per_second"] = benchmark::Counter(nnz * (8 + 4.0 * d) + n * (8 + 4.0 * d),
                                                          benchmark::Counter::kIsIterationInvariantRate);
  state.counters["flop_per_second"] = benchmark::Counter(2 * nnz * d, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(g.name) + " nnz=" + std::to_string(a.col.size()));
}
BENCHMARK(spmm_cpu)->ArgsProduct({{0, 1, 2}, {64}})->Unit(benchmark::kMillisecond);

void lightgcn_step_cpu(benchmark::State& state) {
  const auto a = lightgcn_adjacency(kGraphs[0]);
  const int64_t d = 64, n = a.n_rows;
  const auto x = random_values(n * d, 2);
  std::vector<float> out(n * d), grad(n * d), work(2 * n * d);
  for (auto _ : state) {
    kernels::lightgcn_forward_cpu(a.view(), d, 3, x.data(), out.data(), work.data());
    kernels::lightgcn_backward_cpu(a.view(), d, 3, out.data(), grad.data(), work.data());
    benchmark::DoNotOptimize(grad.data());
  }
  state.SetLabel("baby, 3 layers, forward + backward");
}
BENCHMARK(lightgcn_step_cpu)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mmgraph::bench
