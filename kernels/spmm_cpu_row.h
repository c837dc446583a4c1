#pragma once
// One row of a CSR x dense product on the CPU, shared by spmm_cpu.cpp and the
// fused LightGCN epilogues in lightgcn_cpu.cpp: acc[0..d) = sum_k val[k] x[col[k], :].
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Widths of 16 to 64 floats keep the row's sum in W registers of 16 floats (GCC's
// vector extension: one AVX-512 register each, two AVX2 ones) instead of loading and
// storing acc at every neighbour; the loop at run-time width does the latter, which
// makes each neighbour wait on the previous one's store. Same products, same order.
template <int W>
inline void spmm_row_fixed_cpu(const CsrView& a, int64_t r, const float* x, float* acc) {
  typedef float v16 __attribute__((vector_size(64)));
  v16 sum[W] = {};
  for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
    const float w = a.val[k];
    const float* xr = x + static_cast<int64_t>(a.col[k]) * (16 * W);
    for (int i = 0; i < W; ++i) {
      v16 xv;
      std::memcpy(&xv, xr + 16 * i, sizeof xv);
      sum[i] += w * xv;
    }
  }
  std::memcpy(acc, sum, sizeof sum);
}

inline void spmm_row_cpu(const CsrView& a, int64_t r, int64_t d, const float* x, float* acc) {
  switch (d) {
    case 16: return spmm_row_fixed_cpu<1>(a, r, x, acc);
    case 32: return spmm_row_fixed_cpu<2>(a, r, x, acc);
    case 48: return spmm_row_fixed_cpu<3>(a, r, x, acc);
    case 64: return spmm_row_fixed_cpu<4>(a, r, x, acc);
    default: break;
  }
  std::fill(acc, acc + d, 0.0f);
  for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
    const float w = a.val[k];
    const float* xr = x + static_cast<int64_t>(a.col[k]) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) acc[j] += w * xr[j];
  }
}

}  // namespace mmgraph::kernels
