// GPU kNN cosine top-k (k = 10) at the CPU benchmark's sizes (Baby 7,050 items x 384 / 4,096,
// Elec 63,001 x 4,096, synthetic features uniform in [-1, 1]) beside the FP32 cuBLAS GEMM it is built
// on (square, pedantic compute type as in the op), measured in the same binary. FLOPs: 2 n^2 dim.
// Bytes: per pair of T-row tiles 16 T dim (the column tile normalised, read and written, and both
// tiles read by the GEMM), the similarity tiles written by the GEMM and read by the merge (8 n^2),
// and the running lists loaded and stored per column tile (16 n k each); frac_of_copy_bw and
// frac_of_sgemm divide by the two measured ceilings.
#include <cublas_v2.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "gpu_bench_common.h"
#include "kernels/knn_graph.h"
#include "support_random.h"

namespace mmgraph::bench {
namespace {

struct Cublas {
  cublasHandle_t h = nullptr;
  Cublas() { MMGRAPH_CUDA_CHECK(cublasCreate(&h)); }
  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;
  ~Cublas() { cublasDestroy(h); }
};

constexpr int kSquare = 8192;

void square_sgemm(const Cublas& blas, const float* a, const float* b, float* c) {
  const float one = 1.0f, zero = 0.0f;
  MMGRAPH_CUDA_CHECK(cublasGemmEx(blas.h, CUBLAS_OP_T, CUBLAS_OP_N, kSquare, kSquare, kSquare, &one, a, CUDA_R_32F,
                                  kSquare, b, CUDA_R_32F, kSquare, &zero, c, CUDA_R_32F, kSquare,
                                  CUBLAS_COMPUTE_32F_PEDANTIC, CUBLAS_GEMM_DEFAULT));
}

// FLOP/s of the best of five 8192^3 FP32 GEMMs, measured once per process.
double sgemm_rate() {
  static const double rate = [] {
    const size_t count = size_t{kSquare} * kSquare;
    Dev<float> a(random_values(static_cast<int64_t>(count), 1)), b(random_values(static_cast<int64_t>(count), 2)),
        c(count);
    Cublas blas;
    cudaEvent_t start, stop;
    MMGRAPH_CUDA_CHECK(cudaEventCreate(&start));
    MMGRAPH_CUDA_CHECK(cudaEventCreate(&stop));
    square_sgemm(blas, a.p, b.p, c.p);
    float best = 1e30f;
    for (int i = 0; i < 5; ++i) {
      MMGRAPH_CUDA_CHECK(cudaEventRecord(start));
      square_sgemm(blas, a.p, b.p, c.p);
      MMGRAPH_CUDA_CHECK(cudaEventRecord(stop));
      MMGRAPH_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      MMGRAPH_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      best = std::min(best, ms);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return 2.0 * kSquare * kSquare * static_cast<double>(kSquare) / (best / 1e3);
  }();
  return rate;
}

void sgemm_square_gpu(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const size_t count = size_t{kSquare} * kSquare;
  Dev<float> a(random_values(static_cast<int64_t>(count), 1)), b(random_values(static_cast<int64_t>(count), 2)),
      c(count);
  Cublas blas;
  run_timed(state, [&] { square_sgemm(blas, a.p, b.p, c.p); });
  report(state, 3.0 * 4 * static_cast<double>(count), 2.0 * kSquare * kSquare * static_cast<double>(kSquare));
}
BENCHMARK(sgemm_square_gpu)->UseManualTime()->Unit(benchmark::kMillisecond);

void knn_cosine_topk_gpu(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t n = state.range(0), dim = state.range(1);
  const int k = 10;
  Dev<float> features(random_values(n * dim, 3)), sim(static_cast<size_t>(n * k));
  Dev<int32_t> idx(static_cast<size_t>(n * k));
  const size_t scratch_bytes = kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k);
  Dev<char> scratch(scratch_bytes);
  Cublas blas;
  run_timed(state, [&] {
    kernels::knn_cosine_topk_cuda(n, dim, features.p, k, idx.p, sim.p, scratch.p, blas.h, nullptr);
  });
  // The op's tiles are T = 4096 rows at these sizes.
  const double t = std::min<double>(4096.0, static_cast<double>(n)), tiles = std::ceil(static_cast<double>(n) / t);
  const double nn = static_cast<double>(n) * static_cast<double>(n);
  const double bytes = tiles * tiles * 16 * t * static_cast<double>(dim) + 8 * nn + tiles * static_cast<double>(n) * k * 16;
  const double flops = 2.0 * nn * static_cast<double>(dim);
  report(state, bytes, flops);
  state.counters["sgemm_flop_per_second"] = sgemm_rate();
  state.counters["frac_of_sgemm"] = benchmark::Counter(flops / sgemm_rate(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["scratch_MiB"] = static_cast<double>(scratch_bytes) / (1 << 20);
  state.SetLabel("n=" + std::to_string(n) + " dim=" + std::to_string(dim) + " k=10");
}
BENCHMARK(knn_cosine_topk_gpu)
    ->Args({7050, 384})
    ->Args({7050, 4096})
    ->Args({63001, 4096})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mmgraph::bench
