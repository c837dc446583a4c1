#pragma once
// One checking macro for every CUDA, cuBLAS and cuSPARSE call, and one launch
// helper. Failures throw mmgraph::Error with the call text, file:line and the
// library's own error string. Include only from .cu files.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <string>

#include "mmgraph/errors.h"

namespace mmgraph::cuda {

inline const char* status_string(cudaError_t s) { return cudaGetErrorString(s); }
inline const char* status_string(cusparseStatus_t s) { return cusparseGetErrorString(s); }
inline const char* status_string(cublasStatus_t s) { return cublasGetStatusString(s); }
inline bool status_ok(cudaError_t s) { return s == cudaSuccess; }
inline bool status_ok(cusparseStatus_t s) { return s == CUSPARSE_STATUS_SUCCESS; }
inline bool status_ok(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS; }

[[noreturn]] inline void throw_status(const char* call, const char* file, int line, const char* what) {
  throw Error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what);
}

template <typename T>
constexpr T div_round_up(T a, T b) {
  return (a + b - 1) / b;
}

}  // namespace mmgraph::cuda

#define MMGRAPH_CUDA_CHECK(call)                                                        \
  do {                                                                                  \
    const auto mmgraph_status_ = (call);                                                \
    if (!::mmgraph::cuda::status_ok(mmgraph_status_))                                   \
      ::mmgraph::cuda::throw_status(#call, __FILE__, __LINE__,                          \
                                    ::mmgraph::cuda::status_string(mmgraph_status_));   \
  } while (0)

// Checks the launch of the kernel just issued on `stream`; with
// MMGRAPH_CUDA_SYNC_LAUNCHES it also waits for it, so an error points at it.
#if defined(MMGRAPH_CUDA_SYNC_LAUNCHES)
#define MMGRAPH_CUDA_CHECK_LAUNCH(stream)            \
  do {                                               \
    MMGRAPH_CUDA_CHECK(cudaGetLastError());          \
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(stream)); \
  } while (0)
#else
#define MMGRAPH_CUDA_CHECK_LAUNCH(stream) MMGRAPH_CUDA_CHECK(cudaGetLastError())
#endif
