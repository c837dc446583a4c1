#pragma once
// GPU benchmark plumbing: CUDA-event timing reported as manual time, an L2
// flush between iterations, the device's copy bandwidth measured in the same
// binary (the ceiling every bandwidth counter is divided by), and a skip when
// no device exists.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "kernels/cuda_check.h"

namespace mmgraph::bench {

inline bool have_gpu() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return n > 0;
}

template <typename T>
struct Dev {
  T* p = nullptr;
  size_t n = 0;
  Dev() = default;
  explicit Dev(size_t count) : n(count) { MMGRAPH_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(1, n) * sizeof(T))); }
  explicit Dev(const std::vector<T>& h) : Dev(h.size()) {
    if (n) MMGRAPH_CUDA_CHECK(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice));
  }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  ~Dev() {
    if (p) cudaFree(p);
  }
};

// Times `body` (which enqueues work on the default stream) with CUDA events,
// after evicting L2 by writing a buffer twice its size; after one untimed call
// unless warm_up is false (a call that takes minutes).
template <typename F>
void run_timed(benchmark::State& state, F&& body, bool warm_up = true) {
  static Dev<char> flush = [] {
    int device = 0, l2 = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device);
    return Dev<char>(static_cast<size_t>(2 * std::max(l2, 1 << 20)));
  }();
  cudaEvent_t start, stop;
  MMGRAPH_CUDA_CHECK(cudaEventCreate(&start));
  MMGRAPH_CUDA_CHECK(cudaEventCreate(&stop));
  if (warm_up) body();
  MMGRAPH_CUDA_CHECK(cudaDeviceSynchronize());
  for (auto _ : state) {
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(flush.p, 0, flush.n));
    MMGRAPH_CUDA_CHECK(cudaEventRecord(start));
    body();
    MMGRAPH_CUDA_CHECK(cudaEventRecord(stop));
    MMGRAPH_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    MMGRAPH_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms / 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

// Device-to-device copy bandwidth (read + write bytes / s) of a 1 GiB copy,
// measured once per process: the ceiling for the fraction counters.
inline double copy_bandwidth() {
  static const double bw = [] {
    const size_t bytes = size_t{1} << 30;
    Dev<char> a(bytes), b(bytes);
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    MMGRAPH_CUDA_CHECK(cudaMemcpy(b.p, a.p, bytes, cudaMemcpyDeviceToDevice));
    float best = 1e30f;
    for (int i = 0; i < 10; ++i) {
      cudaEventRecord(start);
      cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice);
      cudaEventRecord(stop);
      cudaEventSynchronize(stop);
      float ms = 0;
      cudaEventElapsedTime(&ms, start, stop);
      best = std::min(best, ms);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return 2.0 * static_cast<double>(bytes) / (best / 1e3);
  }();
  return bw;
}

// Bytes and FLOPs of one iteration as rates, plus the fraction of copy bandwidth.
inline void report(benchmark::State& state, double bytes, double flops) {
  state.counters["bytes_per_second"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  if (flops > 0) state.counters["flop_per_second"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  // kIsIterationInvariantRate divides by the measured time: bytes / copy_bw / t
  // is the achieved bandwidth as a fraction of the copy bandwidth.
  state.counters["copy_bw_GBps"] = copy_bandwidth() / 1e9;
  state.counters["frac_of_copy_bw"] = benchmark::Counter(bytes / copy_bandwidth(), benchmark::Counter::kIsIterationInvariantRate);
}

#define MMGRAPH_BENCH_REQUIRE_GPU(state)                          \
  do {                                                            \
    if (!::mmgraph::bench::have_gpu()) {                          \
      (state).SkipWithError("no CUDA device: GPU benchmark skipped"); \
      return;                                                     \
    }                                                             \
  } while (0)

}  // namespace mmgraph::bench
