#pragma once
// Shared plain-C++ types of the ops in kernels/: a non-owning CSR view and the
// stream and cuBLAS handle types of the CUDA entry points (declared here so that headers stay plain C++).
#include <cstdint>

#if defined(__CUDACC__)
#define MMGRAPH_HD __host__ __device__ __forceinline__
#else
#define MMGRAPH_HD inline
#endif

struct CUstream_st;
using cudaStream_t = CUstream_st*;
struct cublasContext;
using cublasHandle_t = cublasContext*;

namespace mmgraph::kernels {

// Sparse matrix [n_rows x n_cols] in CSR: the non-zeros of row r are
// col[row_ptr[r] .. row_ptr[r+1]) with values val[...] (val may be null for
// pattern-only uses such as masks). Pointers are host or device as the op says.
struct CsrView {
  int64_t n_rows = 0;
  int64_t n_cols = 0;
  int64_t nnz = 0;
  const int64_t* row_ptr = nullptr;
  const int32_t* col = nullptr;
  const float* val = nullptr;
};

}  // namespace mmgraph::kernels
