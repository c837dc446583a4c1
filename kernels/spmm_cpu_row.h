#pragma once
// One row of a CSR x dense product on the CPU, shared by spmm_cpu.cpp and the
// fused LightGCN epilogues in lightgcn_cpu.cpp: acc[0..d) = sum_k val[k] x[col[k], :].
#include <algorithm>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

inline void spmm_row_cpu(const CsrView& a, int64_t r, int64_t d, const float* x, float* acc) {
  std::fill(acc, acc + d, 0.0f);
  for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
    const float w = a.val[k];
    const float* xr = x + static_cast<int64_t>(a.col[k]) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) acc[j] += w * xr[j];
  }
}

}  // namespace mmgraph::kernels
