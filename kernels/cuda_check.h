#pragma once
// One checking macro for every CUDA, cuBLAS, cuSPARSE (and, where the header
// exists, NCCL) call, and one launch helper. Failures throw mmgraph::Error with
// the call text, file:line and the library's own error string. Include only
// from .cu files (and from tests/benchmarks that link the CUDA runtime).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <cstdint>
#include <string>

#if defined(__has_include)
#if __has_include(<nccl.h>)
#include <nccl.h>
#define MMGRAPH_CUDA_CHECK_HAS_NCCL 1
#endif
#endif

#include "mmgraph/errors.h"

namespace mmgraph::cuda {

inline const char* status_string(cudaError_t s) { return cudaGetErrorString(s); }
inline const char* status_string(cusparseStatus_t s) { return cusparseGetErrorString(s); }
inline const char* status_string(cublasStatus_t s) { return cublasGetStatusString(s); }
inline bool status_ok(cudaError_t s) { return s == cudaSuccess; }
inline bool status_ok(cusparseStatus_t s) { return s == CUSPARSE_STATUS_SUCCESS; }
inline bool status_ok(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS; }
#if defined(MMGRAPH_CUDA_CHECK_HAS_NCCL)
// Only a program that checks an NCCL call links libnccl (these are inline).
inline const char* status_string(ncclResult_t s) { return ncclGetErrorString(s); }
inline bool status_ok(ncclResult_t s) { return s == ncclSuccess; }
#endif

[[noreturn]] inline void throw_status(const char* call, const char* file, int line, const char* what) {
  throw Error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what);
}

template <typename T>
constexpr T div_round_up(T a, T b) {
  return (a + b - 1) / b;
}

// Whether p allows float4 (16-byte) loads and stores; null counts as aligned.
inline bool is_aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Checks the kernel launch just issued on `stream`; with MMGRAPH_CUDA_SYNC_LAUNCHES
// (CMake option of the same name) it also waits for the kernel, so that an
// asynchronous fault is reported at the launch that caused it.
inline void check_launch(cudaStream_t stream, const char* what, const char* file, int line) {
  const cudaError_t launched = cudaGetLastError();
  if (launched != cudaSuccess) throw_status(what, file, line, cudaGetErrorString(launched));
#if defined(MMGRAPH_CUDA_SYNC_LAUNCHES)
  const cudaError_t ran = cudaStreamSynchronize(stream);
  if (ran != cudaSuccess) throw_status(what, file, line, cudaGetErrorString(ran));
#else
  (void)stream;
#endif
}

#if defined(__CUDACC__)
// The launch helper: `kernel` on enough blocks of `block` threads to cover
// `n_threads` threads (a warp-per-item kernel passes 32 * items, a block-per-row
// kernel rows * block), on an explicit stream, launch checked. Nothing is
// launched when n_threads == 0. `name` names the kernel in error messages.
template <typename... Params, typename... Args>
void launch(const char* name, void (*kernel)(Params...), int64_t n_threads, int block, cudaStream_t stream,
            Args... args) {
  if (n_threads <= 0) return;
  const int64_t grid = div_round_up<int64_t>(n_threads, block);
  if (grid > INT32_MAX)
    throw Error(std::string(name) + ": " + std::to_string(grid) + " blocks exceed the grid limit");
  kernel<<<static_cast<unsigned>(grid), static_cast<unsigned>(block), 0, stream>>>(args...);
  check_launch(stream, name, __FILE__, __LINE__);
}
#endif

}  // namespace mmgraph::cuda

#define MMGRAPH_CUDA_CHECK(call)                                                        \
  do {                                                                                  \
    const auto mmgraph_status_ = (call);                                                \
    if (!::mmgraph::cuda::status_ok(mmgraph_status_))                                   \
      ::mmgraph::cuda::throw_status(#call, __FILE__, __LINE__,                          \
                                    ::mmgraph::cuda::status_string(mmgraph_status_));   \
  } while (0)
