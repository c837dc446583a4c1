#pragma once
// Sparse x dense products with a CSR matrix: Y [n_rows x d] = A X, X [n_cols x d],
// row-major, d any positive width (the CUDA path is fastest for d % 4 == 0).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace mmgraph::kernels {

// CPU reference, OpenMP over rows. Y is overwritten (rows of A with no
// non-zeros get zeros).
void spmm_csr_cpu(const CsrView& a, int64_t d, const float* x, float* y);

// CUDA twin (device pointers). The non-zeros are cut into equal chunks, one
// per warp, so that power-law hubs are spread over many warps; a row crossing
// chunk boundaries is summed from per-chunk partials in a fixed order, so the
// result is bit-identical from run to run. scratch: device memory of
// spmm_csr_cuda_scratch_bytes(a, d) bytes for those partials (null allowed when
// that is 0; the size depends on the current device's SM count). d <= 1024
// (<= 256 when d % 4 != 0 or a pointer is not 16-byte aligned).
size_t spmm_csr_cuda_scratch_bytes(const CsrView& a, int64_t d);
void spmm_csr_cuda(const CsrView& a, int64_t d, const float* x, float* y, void* scratch,
                   cudaStream_t stream);

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
