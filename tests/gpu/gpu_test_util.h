#pragma once
// Shared helpers of the GPU-vs-CPU tests: device detection (tests skip with a
// message without a GPU), device arrays poisoned before use, a cuBLAS handle, and
// (compare.h) the comparison helper.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/compare.h"
#include "kernels/cuda_check.h"

namespace mmgraph::testing {

inline int gpu_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

#define MMGRAPH_REQUIRE_GPU()                                                                  \
  do {                                                                                         \
    if (::mmgraph::testing::gpu_count() == 0) GTEST_SKIP() << "no CUDA device: GPU test skipped"; \
  } while (0)

// Device copy of a host vector, or `count` elements poisoned with 0xFF bytes
// (NaN for floats, -1 for integers) so that an element a kernel forgot fails.
template <typename T>
class DeviceArray {
 public:
  explicit DeviceArray(const std::vector<T>& host) : n_(host.size()) {
    MMGRAPH_CUDA_CHECK(cudaMalloc(&ptr_, bytes()));
    if (n_) MMGRAPH_CUDA_CHECK(cudaMemcpy(ptr_, host.data(), bytes(), cudaMemcpyHostToDevice));
  }
  static DeviceArray poisoned(size_t count) {
    DeviceArray a(std::vector<T>{});
    a.n_ = count;
    MMGRAPH_CUDA_CHECK(cudaFree(a.ptr_));
    MMGRAPH_CUDA_CHECK(cudaMalloc(&a.ptr_, a.bytes()));
    MMGRAPH_CUDA_CHECK(cudaMemset(a.ptr_, 0xFF, a.bytes()));
    return a;
  }
  DeviceArray(DeviceArray&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr; }
  DeviceArray(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);
  }
  T* get() const { return ptr_; }
  std::vector<T> host() const {
    std::vector<T> out(n_);
    MMGRAPH_CUDA_CHECK(cudaDeviceSynchronize());
    if (n_) MMGRAPH_CUDA_CHECK(cudaMemcpy(out.data(), ptr_, bytes(), cudaMemcpyDeviceToHost));
    return out;
  }

 private:
  size_t bytes() const { return std::max<size_t>(1, n_) * sizeof(T); }
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

// A cuBLAS handle in the default (FP32) math mode, as the engine's CUDA device sets it; the
// null stream unless the test sets one.
class Cublas {
 public:
  Cublas() {
    MMGRAPH_CUDA_CHECK(cublasCreate(&h_));
    MMGRAPH_CUDA_CHECK(cublasSetMathMode(h_, CUBLAS_DEFAULT_MATH));
  }
  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;
  ~Cublas() { cublasDestroy(h_); }
  cublasHandle_t get() const { return h_; }

 private:
  cublasHandle_t h_ = nullptr;
};

}  // namespace mmgraph::testing
