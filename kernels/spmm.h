#pragma once
// Sparse x dense products with a CSR matrix: Y [n_rows x d] = A X, X [n_cols x d],
// row-major, d any positive width (the CUDA path is fastest for d % 4 == 0).
#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace mmgraph::kernels {

// CPU reference, OpenMP over rows. Y is overwritten (rows of A with no
// non-zeros get zeros).
void spmm_csr_cpu(const CsrView& a, int64_t d, const float* x, float* y);

// CUDA twin (device pointers). Rows are split into chunks of at most
// kSpmmChunk non-zeros so that power-law hubs are spread over many warps.
void spmm_csr_cuda(const CsrView& a, int64_t d, const float* x, float* y, cudaStream_t stream);

// Host-side CSR owner used to build transposes and test inputs.
struct CsrHost {
  int64_t n_rows = 0, n_cols = 0;
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col;
  std::vector<float> val;
  CsrView view() const {
    return CsrView{n_rows, n_cols, static_cast<int64_t>(col.size()), row_ptr.data(), col.data(),
                   val.empty() ? nullptr : val.data()};
  }
};

// A^T as CSR (columns sorted within each row). Used for non-symmetric graphs
// (item-item S): S^T X is then spmm_csr_* on the transpose.
CsrHost csr_transpose_cpu(const CsrView& a);

}  // namespace mmgraph::kernels
