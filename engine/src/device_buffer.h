#pragma once
// RAII device memory for the CUDA device and the GPU tests. Allocation failures throw
// mmgraph::Error stating the bytes requested and the bytes free on the device.
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda_check.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

// cudaMalloc of `bytes` on the current device; out-of-memory is an Error that
// names `what`, the bytes requested and the bytes free.
inline void* cuda_allocate(size_t bytes, const char* what) {
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, bytes);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    throw Error("out of device memory allocating " + std::string(what) + ": " + std::to_string(bytes) +
                " bytes requested, " + std::to_string(free_bytes) + " of " + std::to_string(total_bytes) +
                " bytes free");
  }
  MMGRAPH_CUDA_CHECK(status);
  return ptr;
}

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count, const char* what = "buffer") { allocate(count, what); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  ~DeviceBuffer() { release(); }

  void allocate(size_t count, const char* what = "buffer") {
    release();
    if (count == 0) return;
    ptr_ = static_cast<T*>(cuda_allocate(count * sizeof(T), what));
    count_ = count;
  }

  // Host -> device copy of a whole vector (allocates to its size).
  void upload(const std::vector<T>& host, const char* what = "buffer") {
    allocate(host.size(), what);
    if (!host.empty()) MMGRAPH_CUDA_CHECK(cudaMemcpy(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }

  T* get() const { return ptr_; }
  size_t size() const { return count_; }

 private:
  void release() {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    count_ = 0;
  }
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

}  // namespace mmgraph::detail
