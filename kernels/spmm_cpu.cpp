// CPU reference of the CSR x dense product and the CSR transpose.
#include <algorithm>
#include <vector>

#include "kernels/spmm.h"
#include "kernels/spmm_cpu_row.h"

namespace mmgraph::kernels {

void spmm_csr_cpu(const CsrView& a, int64_t d, const float* x, float* y) {
#pragma omp parallel for schedule(dynamic, 64)
  for (int64_t r = 0; r < a.n_rows; ++r) spmm_row_cpu(a, r, d, x, y + r * d);
}

CsrHost csr_transpose_cpu(const CsrView& a) {
  CsrHost t;
  t.n_rows = a.n_cols;
  t.n_cols = a.n_rows;
  t.row_ptr.assign(static_cast<size_t>(a.n_cols) + 1, 0);
  t.col.resize(static_cast<size_t>(a.nnz));
  if (a.val) t.val.resize(static_cast<size_t>(a.nnz));
  for (int64_t k = 0; k < a.nnz; ++k) ++t.row_ptr[static_cast<size_t>(a.col[k]) + 1];
  for (int64_t c = 0; c < a.n_cols; ++c) t.row_ptr[c + 1] += t.row_ptr[c];
  std::vector<int64_t> next(t.row_ptr.begin(), t.row_ptr.end() - 1);
  // Rows of A visited in order, so the columns of each row of A^T come out sorted.
  for (int64_t r = 0; r < a.n_rows; ++r) {
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      const int64_t dst = next[a.col[k]]++;
      t.col[dst] = static_cast<int32_t>(r);
      if (a.val) t.val[dst] = a.val[k];
    }
  }
  return t;
}

}  // namespace mmgraph::kernels
