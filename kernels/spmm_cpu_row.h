#pragma once
// One row of a CSR x dense product on the CPU, shared by spmm_cpu.cpp and the
// fused LightGCN epilogues in lightgcn_cpu.cpp: acc[0..d) = sum_k val[k] x[col[k], :].
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace mmgraph::kernels {

// The widest vector register the build targets, in floats (GCC's vector extension maps a
// vector of this size to one register; a wider one would be split through memory).
#if defined(__AVX512F__)
inline constexpr int kSpmmVectorFloats = 16;
#elif defined(__AVX__)
inline constexpr int kSpmmVectorFloats = 8;
#else
inline constexpr int kSpmmVectorFloats = 4;
#endif
inline constexpr int kSpmmMaxAccumulators = 8;

// A row of width D (a multiple of the vector width, at most 8 vectors) keeps its sum in
// registers instead of loading and storing acc at every neighbour, as the loop at run-time
// width does (which makes each neighbour wait on the previous one's store). The same
// products are added in the same order: the result is bit-identical.
template <int D>
inline void spmm_row_fixed_cpu(const CsrView& a, int64_t r, const float* x, float* acc) {
  typedef float Vec __attribute__((vector_size(kSpmmVectorFloats * sizeof(float))));
  constexpr int kVectors = D / kSpmmVectorFloats;
  Vec sum[kVectors] = {};
  for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
    const float w = a.val[k];
    const float* xr = x + static_cast<int64_t>(a.col[k]) * D;
#pragma GCC unroll 8
    for (int i = 0; i < kVectors; ++i) {
      Vec xv;
      std::memcpy(&xv, xr + kSpmmVectorFloats * i, sizeof xv);
      sum[i] += w * xv;
    }
  }
  std::memcpy(acc, sum, sizeof sum);
}

inline void spmm_row_cpu(const CsrView& a, int64_t r, int64_t d, const float* x, float* acc) {
  constexpr int kMaxFixed = kSpmmVectorFloats * kSpmmMaxAccumulators;
  if constexpr (64 <= kMaxFixed)
    if (d == 64) return spmm_row_fixed_cpu<64>(a, r, x, acc);
  if constexpr (48 <= kMaxFixed && 48 % kSpmmVectorFloats == 0)
    if (d == 48) return spmm_row_fixed_cpu<48>(a, r, x, acc);
  if (d == 32) return spmm_row_fixed_cpu<32>(a, r, x, acc);
  if (d == 16) return spmm_row_fixed_cpu<16>(a, r, x, acc);
  std::fill(acc, acc + d, 0.0f);
  for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
    const float w = a.val[k];
    const float* xr = x + static_cast<int64_t>(a.col[k]) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) acc[j] += w * xr[j];
  }
}

}  // namespace mmgraph::kernels
