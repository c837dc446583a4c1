// CPU kNN cosine top-k (k = 10) at the field's sizes: Amazon Baby's 7,050 items with 384-d (text) and
// 4,096-d (image) features, and Amazon Elec's 63,001 items x 4,096-d (synthetic features, values
// uniform in [-1, 1]). FLOPs: 2 n^2 dim (the similarity GEMMs); frac_of_sgemm divides the achieved
// rate by this machine's SGEMM rate, measured in the same binary by a square cblas_sgemm with
// OpenBLAS's own threading (sgemm_square_cpu reports it alone). peak_extra_MiB: the process's peak
// resident set during the op (VmHWM, reset through /proc/self/clear_refs just before) minus its
// resident set before the op, i.e. everything the op allocated and touched, OpenBLAS buffers included.
// knn_cosine_topk_bf16_cpu: the same cases on the features rounded to bf16 (the FLOPs counted alike).
// The Elec case runs once and takes minutes on two cores:
//   build/mmgraph_bench --benchmark_filter='knn_cosine_topk_cpu/63001'
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/knn_graph.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

// A kB field of /proc/self/status (VmRSS, VmHWM), or -1 when it cannot be read.
int64_t status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

// Resets VmHWM to the current resident set; false where the kernel does not allow it.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.close();
  return static_cast<bool>(clear);
}

// C [n x n] = A B^T, A, B [n x n]: the ceiling the kNN op's GEMM tiles are compared with.
double time_square_sgemm(int n, const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& c) {
  const auto start = std::chrono::steady_clock::now();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr int kSquare = 4096;

// FLOP/s of the best of three 4096^3 SGEMMs, measured once per process.
double sgemm_rate() {
  static const double rate = [] {
    const auto a = random_values(int64_t{kSquare} * kSquare, 1), b = random_values(int64_t{kSquare} * kSquare, 2);
    std::vector<float> c(static_cast<size_t>(kSquare) * kSquare);
    double best = 1e30;
    for (int i = 0; i < 3; ++i) best = std::min(best, time_square_sgemm(kSquare, a, b, c));
    return 2.0 * kSquare * kSquare * static_cast<double>(kSquare) / best;
  }();
  return rate;
}

void sgemm_square_cpu(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const auto a = random_values(int64_t{n} * n, 1), b = random_values(int64_t{n} * n, 2);
  std::vector<float> c(static_cast<size_t>(n) * n);
  for (auto _ : state) {
    state.SetIterationTime(time_square_sgemm(n, a, b, c));
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["flop_per_second"] =
      benchmark::Counter(2.0 * n * n * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(sgemm_square_cpu)->Arg(kSquare)->UseManualTime()->Unit(benchmark::kMillisecond);

// The op on float features (knn_cosine_topk_cpu) or on the same values rounded to bf16
// (knn_cosine_topk_bf16_cpu); FLOPs counted as 2 n^2 dim for both.
template <bool kBf16>
void knn_cosine_topk(benchmark::State& state) {
  const int64_t n = state.range(0), dim = state.range(1);
  const int k = 10;
  const auto features = random_values(n * dim, 3);
  std::vector<uint16_t> bits(kBf16 ? features.size() : 0);
  for (size_t e = 0; e < bits.size(); ++e) bits[e] = kernels::float_to_bf16(features[e]);
  std::vector<int32_t> idx(static_cast<size_t>(n * k));
  std::vector<float> sim(static_cast<size_t>(n * k));
  const double ceiling = sgemm_rate();
  int64_t peak_extra_kib = -1;
  for (auto _ : state) {
    const bool reset = reset_peak_rss();
    const int64_t before = status_kib("VmRSS");
    if constexpr (kBf16)
      kernels::knn_cosine_topk_bf16_cpu(n, dim, bits.data(), k, idx.data(), sim.data());
    else
      kernels::knn_cosine_topk_cpu(n, dim, features.data(), k, idx.data(), sim.data());
    if (reset && before >= 0) peak_extra_kib = std::max(peak_extra_kib, status_kib("VmHWM") - before);
    benchmark::DoNotOptimize(idx.data());
  }
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(dim);
  state.counters["flop_per_second"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["sgemm_flop_per_second"] = ceiling;
  state.counters["frac_of_sgemm"] = benchmark::Counter(flops / ceiling, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_extra_MiB"] = static_cast<double>(peak_extra_kib) / 1024.0;
  state.SetLabel("n=" + std::to_string(n) + " dim=" + std::to_string(dim) + " k=10" +
                 (peak_extra_kib < 0 ? " (peak memory not measurable here)" : ""));
}

void knn_cosine_topk_cpu(benchmark::State& state) { knn_cosine_topk<false>(state); }
void knn_cosine_topk_bf16_cpu(benchmark::State& state) { knn_cosine_topk<true>(state); }
BENCHMARK(knn_cosine_topk_cpu)->Args({7050, 384})->Args({7050, 4096})->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK(knn_cosine_topk_cpu)->Args({63001, 4096})->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK(knn_cosine_topk_bf16_cpu)->Args({7050, 384})->Args({7050, 4096})->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK(knn_cosine_topk_bf16_cpu)->Args({63001, 4096})->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mmgraph::bench
