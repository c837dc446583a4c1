// GPU kNN cosine top-k (k = 10) at the CPU benchmark's sizes (Baby 7,050 items x 384 / 4,096,
// Elec 63,001 x 4,096, synthetic features uniform in [-1, 1]) beside the FP32 cuBLAS GEMM it is built
// on (square, pedantic compute type as in the op), measured in the same binary. FLOPs: 2 n^2 dim.
// Bytes: per pair of T-row tiles 16 T dim (the column tile normalised, read and written, and both
// tiles read by the GEMM), the similarity tiles written by the GEMM and read by the merge (8 n^2),
// and the running lists loaded and stored per column tile (16 n k each); frac_of_copy_bw and
// frac_of_sgemm divide by the two measured ceilings. The bf16 op (bf16 rows, FP32 accumulation)
// also at 2,000,000 x 4,096, the 10x-Elec catalogue: its features (16 GB of bf16) are filled on the
// device, and that size is timed once, without a warm-up call (one call is about a minute at the
// bf16 GEMM's rate); frac_of_bf16_gemm divides by a square bf16 GEMM measured the same way. Bytes of
// a pair of tiles: 4 T dim values of 4 (float) or 2 (bf16) bytes.
#include <cublas_v2.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "gpu_bench_common.h"
#include "kernels/bf16.h"
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

// The bf16 op's GEMM: bf16 inputs, FP32 accumulation and output.
void square_bf16_gemm(const Cublas& blas, const uint16_t* a, const uint16_t* b, float* c) {
  const float one = 1.0f, zero = 0.0f;
  MMGRAPH_CUDA_CHECK(cublasGemmEx(blas.h, CUBLAS_OP_T, CUBLAS_OP_N, kSquare, kSquare, kSquare, &one, a, CUDA_R_16BF,
                                  kSquare, b, CUDA_R_16BF, kSquare, &zero, c, CUDA_R_32F, kSquare, CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT));
}

// values[e] = bf16 of a uniform value in [-1, 1) hashed from (e, seed): one thread per element, so
// that 8 billion values need no host copy.
__global__ void fill_uniform_bf16(int64_t n, uint32_t seed, uint16_t* values) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n) return;
  uint64_t x = static_cast<uint64_t>(e) * 0x9E3779B97F4A7C15ull + seed;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  values[e] = kernels::float_to_bf16(static_cast<float>(x >> 40) * (2.0f / 16777216.0f) - 1.0f);
}

void fill_uniform(Dev<uint16_t>& values, uint32_t seed) {
  const auto n = static_cast<int64_t>(values.n);
  cuda::launch("fill_uniform_bf16", &fill_uniform_bf16, n, 256, nullptr, n, seed, values.p);
  MMGRAPH_CUDA_CHECK(cudaDeviceSynchronize());
}

// FLOP/s of the best of five 8192^3 GEMMs of `gemm` on a and b, measured once per caller.
template <typename T, typename Gemm>
double square_gemm_rate(const Dev<T>& a, const Dev<T>& b, Gemm gemm) {
  Dev<float> c(size_t{kSquare} * kSquare);
  Cublas blas;
  cudaEvent_t start, stop;
  MMGRAPH_CUDA_CHECK(cudaEventCreate(&start));
  MMGRAPH_CUDA_CHECK(cudaEventCreate(&stop));
  gemm(blas, a.p, b.p, c.p);
  float best = 1e30f;
  for (int i = 0; i < 5; ++i) {
    MMGRAPH_CUDA_CHECK(cudaEventRecord(start));
    gemm(blas, a.p, b.p, c.p);
    MMGRAPH_CUDA_CHECK(cudaEventRecord(stop));
    MMGRAPH_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    MMGRAPH_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    best = std::min(best, ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return 2.0 * kSquare * kSquare * static_cast<double>(kSquare) / (best / 1e3);
}

double sgemm_rate() {
  static const double rate = [] {
    const auto count = static_cast<int64_t>(kSquare) * kSquare;
    return square_gemm_rate(Dev<float>(random_values(count, 1)), Dev<float>(random_values(count, 2)), square_sgemm);
  }();
  return rate;
}

double bf16_gemm_rate() {
  static const double rate = [] {
    Dev<uint16_t> a(size_t{kSquare} * kSquare), b(size_t{kSquare} * kSquare);
    fill_uniform(a, 1);
    fill_uniform(b, 2);
    return square_gemm_rate(a, b, square_bf16_gemm);
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

// The bytes and FLOPs the header counts for the op on n rows of `value_bytes`-byte values (its tiles are
// T = 4096 rows at these sizes), reported; returns the FLOPs.
double report_knn(benchmark::State& state, int64_t n, int64_t dim, int k, size_t value_bytes) {
  const double t = std::min<double>(4096.0, static_cast<double>(n)), tiles = std::ceil(static_cast<double>(n) / t);
  const double nn = static_cast<double>(n) * static_cast<double>(n);
  const double bytes = tiles * tiles * 4 * static_cast<double>(value_bytes) * t * static_cast<double>(dim) + 8 * nn +
                       tiles * static_cast<double>(n) * k * 16;
  const double flops = 2.0 * nn * static_cast<double>(dim);
  report(state, bytes, flops);
  return flops;
}

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
  const double flops = report_knn(state, n, dim, k, sizeof(float));
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

void knn_cosine_topk_bf16_gpu(benchmark::State& state) {
  MMGRAPH_BENCH_REQUIRE_GPU(state);
  const int64_t n = state.range(0), dim = state.range(1);
  const int k = 10;
  Dev<uint16_t> features(static_cast<size_t>(n * dim));
  fill_uniform(features, 3);
  Dev<float> sim(static_cast<size_t>(n * k));
  Dev<int32_t> idx(static_cast<size_t>(n * k));
  const size_t scratch_bytes = kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k);
  Dev<char> scratch(scratch_bytes);
  Cublas blas;
  auto op = [&] {
    kernels::knn_cosine_topk_bf16_cuda(n, dim, features.p, k, idx.p, sim.p, scratch.p, blas.h, nullptr);
  };
  run_timed(state, op, n <= 100000);  // the 2M call (about a minute) is timed without a warm-up
  const double flops = report_knn(state, n, dim, k, sizeof(uint16_t));
  state.counters["bf16_gemm_flop_per_second"] = bf16_gemm_rate();
  state.counters["frac_of_bf16_gemm"] =
      benchmark::Counter(flops / bf16_gemm_rate(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["scratch_MiB"] = static_cast<double>(scratch_bytes) / (1 << 20);
  state.SetLabel("n=" + std::to_string(n) + " dim=" + std::to_string(dim) + " k=10, bf16 rows");
}
BENCHMARK(knn_cosine_topk_bf16_gpu)->Args({63001, 4096})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(knn_cosine_topk_bf16_gpu)->Args({2000000, 4096})->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mmgraph::bench
