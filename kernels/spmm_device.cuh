#pragma once
// Device side of the CSR x dense product, shared by spmm.cu and lightgcn.cu.
//
// Work is split by non-zeros, not by rows: warp w owns the non-zeros
// [w C, (w+1) C) of the matrix (C = chunk), so a hub row of 10^5 non-zeros is
// spread over many warps while short rows stay whole inside one warp. Rows that
// lie entirely inside a chunk are finished by their warp, which applies the
// epilogue directly ("full"). Rows that cross a chunk boundary ("split" rows, at
// most one per boundary) are accumulated with atomics into a zeroed buffer and
// finished by a small fixup kernel that runs one warp per boundary.
//
// Inside a warp the 32 lanes form G = 32 / S groups of S lanes; a row's
// non-zeros are dealt round-robin to the groups, each lane of a group owns T
// vectors (float4 when d % 4 == 0) of the dense row, and the groups' partial
// sums are combined with shuffles. S is the smallest power of two covering the
// row's vectors (up to 32), so d = 64 uses two groups of 16 lanes.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common.h"
#include "kernels/spmm_chunks.h"

namespace mmgraph::kernels::detail {

template <typename V>
struct Vec;

template <>
struct Vec<float> {
  static constexpr int kWidth = 1;
  __device__ static float zero() { return 0.0f; }
  __device__ static float load(const float* p) { return __ldg(p); }
  __device__ static void fma(float w, float x, float& acc) { acc = fmaf(w, x, acc); }
  __device__ static float shfl_xor(float v, int offset) { return __shfl_xor_sync(0xffffffffu, v, offset); }
  __device__ static float get(float v, int) { return v; }
  __device__ static void add(float v, float& acc) { acc += v; }
};

template <>
struct Vec<float4> {
  static constexpr int kWidth = 4;
  __device__ static float4 zero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
  __device__ static float4 load(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
  __device__ static void fma(float w, float4 x, float4& acc) {
    acc.x = fmaf(w, x.x, acc.x);
    acc.y = fmaf(w, x.y, acc.y);
    acc.z = fmaf(w, x.z, acc.z);
    acc.w = fmaf(w, x.w, acc.w);
  }
  __device__ static float4 shfl_xor(float4 v, int offset) {
    return make_float4(__shfl_xor_sync(0xffffffffu, v.x, offset), __shfl_xor_sync(0xffffffffu, v.y, offset),
                       __shfl_xor_sync(0xffffffffu, v.z, offset), __shfl_xor_sync(0xffffffffu, v.w, offset));
  }
  __device__ static float get(float4 v, int i) { return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w; }
  __device__ static void add(float4 v, float4& acc) {
    acc.x += v.x;
    acc.y += v.y;
    acc.z += v.z;
    acc.w += v.w;
  }
};

// Zeroes split_acc rows of the split rows (one warp per boundary).
static __global__ void spmm_zero_split_rows(CsrView a, int64_t d, int64_t chunk, int64_t n_boundaries, float* split_acc) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= n_boundaries) return;
  const int64_t r = split_row_at(a, chunk, (warp + 1) * chunk);
  if (r < 0) return;
  for (int64_t j = lane; j < d; j += 32) split_acc[r * d + j] = 0.0f;
}

// Applies ep.fixup to the split rows once their sums are complete.
template <typename Epilogue>
__global__ void spmm_fixup_split_rows(CsrView a, int64_t d, int64_t chunk, int64_t n_boundaries, Epilogue ep) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= n_boundaries) return;
  const int64_t r = split_row_at(a, chunk, (warp + 1) * chunk);
  if (r < 0) return;
  for (int64_t j = lane; j < d; j += 32) ep.fixup(r, j);
}

// Main kernel: one warp per chunk of non-zeros (see the file comment).
template <typename V, int T, typename Epilogue>
__global__ void __launch_bounds__(256) spmm_csr_chunked(CsrView a, int64_t d, const float* __restrict__ x,
                                                        int64_t chunk, int64_t n_chunks, int group_lanes,
                                                        float* __restrict__ split_acc, Epilogue ep) {
  constexpr int W = Vec<V>::kWidth;
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (warp >= n_chunks) return;  // whole warps exit together: shuffles below see full warps
  const int lane = threadIdx.x % 32;
  const int S = group_lanes, G = 32 / S;
  const int group = lane / S, gl = lane % S;
  const int64_t n_vec = d / W;
  const int64_t k0 = warp * chunk;
  const int64_t k1 = min(k0 + chunk, a.nnz);
  const bool last_warp = warp == n_chunks - 1;

  for (int64_t r = chunk_first_row(a, chunk, warp); chunk_owns_row(a, k1, last_warp, r); ++r) {
    const int64_t row_begin = a.row_ptr[r], row_end = a.row_ptr[r + 1];
    const int64_t s = max(row_begin, k0), e = min(row_end, k1);
    const bool full = row_begin >= k0 && row_end <= k1;
    V acc[T];
#pragma unroll
    for (int t = 0; t < T; ++t) acc[t] = Vec<V>::zero();
    for (int64_t k = s + group; k < e; k += G) {
      const float w = __ldg(a.val + k);
      const float* xr = x + static_cast<int64_t>(__ldg(a.col + k)) * d;
#pragma unroll
      for (int t = 0; t < T; ++t) {
        const int64_t v = gl + static_cast<int64_t>(t) * S;
        if (v < n_vec) Vec<V>::fma(w, Vec<V>::load(xr + v * W), acc[t]);
      }
    }
    for (int offset = S; offset < 32; offset <<= 1)
#pragma unroll
      for (int t = 0; t < T; ++t) Vec<V>::add(Vec<V>::shfl_xor(acc[t], offset), acc[t]);
    if (group != 0) continue;
#pragma unroll
    for (int t = 0; t < T; ++t) {
      const int64_t v = gl + static_cast<int64_t>(t) * S;
      if (v >= n_vec) continue;
      for (int i = 0; i < W; ++i) {
        const int64_t j = v * W + i;
        if (full) ep.full(r, j, Vec<V>::get(acc[t], i));
        else atomicAdd(split_acc + r * d + j, Vec<V>::get(acc[t], i));
      }
    }
  }
}

// Chunk size and lane grouping for a matrix (host side, spmm.cu).
struct SpmmShape {
  int64_t chunk;
  int64_t n_chunks;
  int group_lanes;
  int vectors_per_lane;  // T
  bool vec4;
};
SpmmShape spmm_shape(const CsrView& a, int64_t d);

// zero -> main -> fixup with epilogue `ep`. split_acc [n_rows x d] receives the
// raw sums of split rows; Epilogue::fixup reads them from there.
template <typename Epilogue>
void spmm_csr_launch(const CsrView& a, int64_t d, const float* x, float* split_acc, Epilogue ep,
                     cudaStream_t stream) {
  if (a.n_rows == 0 || d == 0) return;
  const SpmmShape sh = spmm_shape(a, d);
  constexpr int kBlock = 256, kWarpsPerBlock = kBlock / 32;
  const int64_t n_boundaries = sh.n_chunks - 1;
  const auto blocks = [&](int64_t warps) { return static_cast<unsigned>((warps + kWarpsPerBlock - 1) / kWarpsPerBlock); };
  if (n_boundaries > 0) spmm_zero_split_rows<<<blocks(n_boundaries), kBlock, 0, stream>>>(a, d, sh.chunk, n_boundaries, split_acc);
  const unsigned grid = blocks(sh.n_chunks);
#define MMGRAPH_SPMM_CASE(V, T)                                                                              \
  spmm_csr_chunked<V, T, Epilogue><<<grid, kBlock, 0, stream>>>(a, d, x, sh.chunk, sh.n_chunks, sh.group_lanes, \
                                                                split_acc, ep)
  if (sh.vec4) {
    switch (sh.vectors_per_lane) {
      case 1: MMGRAPH_SPMM_CASE(float4, 1); break;
      case 2: MMGRAPH_SPMM_CASE(float4, 2); break;
      case 4: MMGRAPH_SPMM_CASE(float4, 4); break;
      default: MMGRAPH_SPMM_CASE(float4, 8); break;
    }
  } else {
    switch (sh.vectors_per_lane) {
      case 1: MMGRAPH_SPMM_CASE(float, 1); break;
      case 2: MMGRAPH_SPMM_CASE(float, 2); break;
      case 4: MMGRAPH_SPMM_CASE(float, 4); break;
      default: MMGRAPH_SPMM_CASE(float, 8); break;
    }
  }
#undef MMGRAPH_SPMM_CASE
  if (n_boundaries > 0) spmm_fixup_split_rows<<<blocks(n_boundaries), kBlock, 0, stream>>>(a, d, sh.chunk, n_boundaries, ep);
}

// y = A x.
struct StoreEpilogue {
  float* y;
  int64_t d;
  __device__ void full(int64_t r, int64_t j, float v) const { y[r * d + j] = v; }
  __device__ void fixup(int64_t, int64_t) const {}  // the sum is already in y
};

}  // namespace mmgraph::kernels::detail
