#pragma once
// Device side of the CSR x dense product, shared by spmm.cu and lightgcn.cu.
//
// Work is split by non-zeros, not by rows: warp w owns the non-zeros
// [w C, (w+1) C) of the matrix (C = chunk), so a hub row of 10^5 non-zeros is
// spread over many warps while short rows stay whole inside one warp. A row
// that lies entirely inside a chunk is finished by its warp, which applies the
// caller's epilogue directly. A row that crosses chunk boundaries ("split")
// leaves one partial sum per chunk it touches in scratch (a chunk has at most
// two: its first row, begun in an earlier chunk, and its last row, continued in
// the next; see spmm_chunks.h); a fixup kernel with one block per boundary then
// sums the partials of the split row that starts before that boundary, in
// chunk order, and applies the epilogue. No atomics anywhere: the result is
// bit-identical from run to run.
//
// Inside a warp the 32 lanes form G = 32 / S groups of S lanes; a row's
// non-zeros are dealt round-robin to the groups, each lane of a group owns T
// vectors (float4 when d % 4 == 0 and the pointers are 16-byte aligned) of the
// dense row, and the groups' partial sums are combined with xor shuffles. S is
// the smallest power of two covering the row's vectors (up to 32), so d = 64
// uses two groups of 16 lanes (two non-zeros in flight per warp).
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common.h"
#include "kernels/cuda_check.h"
#include "kernels/spmm_chunks.h"

namespace mmgraph::kernels::detail {

template <typename V>
struct VecOps;

template <>
struct VecOps<float> {
  static constexpr int kWidth = 1;
  __device__ static float zero() { return 0.0f; }
  // For data that no thread writes during the kernel.
  __device__ static float load_ro(const float* p) { return __ldg(p); }
  __device__ static float load(const float* p) { return *p; }
  __device__ static void store(float* p, float v) { *p = v; }
  __device__ static float shfl_xor(float v, int offset) { return __shfl_xor_sync(0xffffffffu, v, offset); }
  __device__ static float add(float a, float b) { return a + b; }
  __device__ static float scale(float c, float v) { return c * v; }
  __device__ static float fma(float w, float x, float acc) { return fmaf(w, x, acc); }  // w x + acc
};

template <>
struct VecOps<float4> {
  static constexpr int kWidth = 4;
  __device__ static float4 zero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
  __device__ static float4 load_ro(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
  __device__ static float4 load(const float* p) { return *reinterpret_cast<const float4*>(p); }
  __device__ static void store(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }
  __device__ static float4 shfl_xor(float4 v, int offset) {
    return make_float4(__shfl_xor_sync(0xffffffffu, v.x, offset), __shfl_xor_sync(0xffffffffu, v.y, offset),
                       __shfl_xor_sync(0xffffffffu, v.z, offset), __shfl_xor_sync(0xffffffffu, v.w, offset));
  }
  __device__ static float4 add(float4 a, float4 b) { return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w); }
  __device__ static float4 scale(float c, float4 v) { return make_float4(c * v.x, c * v.y, c * v.z, c * v.w); }
  __device__ static float4 fma(float w, float4 x, float4 acc) {
    return make_float4(fmaf(w, x.x, acc.x), fmaf(w, x.y, acc.y), fmaf(w, x.z, acc.z), fmaf(w, x.w, acc.w));
  }
};

constexpr int kSpmmBlock = 256;
constexpr int kFixupWarps = 8;

// Main kernel: one warp per chunk of non-zeros (see the file comment). Whole
// rows go through ep(r, j, sum of columns j .. j+W-1); split rows leave their
// partial sums in partials [n_chunks x 2 x d].
template <typename V, int T, typename Epilogue>
__global__ void __launch_bounds__(kSpmmBlock)
    spmm_csr_chunked(CsrView a, int64_t d, const float* __restrict__ x, int64_t chunk, int64_t n_chunks,
                     int group_lanes, float* __restrict__ partials, Epilogue ep) {
  using Ops = VecOps<V>;
  constexpr int W = Ops::kWidth;
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (warp >= n_chunks) return;  // whole warps exit together: the shuffles below see full warps
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int S = group_lanes, G = 32 / S;
  const int group = lane / S, gl = lane % S;
  const int64_t n_vec = d / W;
  const int64_t k0 = warp * chunk;
  const int64_t k1 = min(k0 + chunk, a.nnz);
  const bool last_chunk = warp == n_chunks - 1;
  // Non-zeros unrolled per group so that several gathers are in flight (fewer
  // for wide rows, whose T loads per non-zero already are).
  constexpr int kUnroll = T <= 2 ? 4 : T == 4 ? 2 : 1;

  for (int64_t r = chunk_first_row(a, chunk, warp); chunk_owns_row(a, k1, last_chunk, r); ++r) {
    const int64_t row_begin = a.row_ptr[r], row_end = a.row_ptr[r + 1];
    const int64_t s = max(row_begin, k0), e = min(row_end, k1);
    V acc[T];
#pragma unroll
    for (int t = 0; t < T; ++t) acc[t] = Ops::zero();
#pragma unroll kUnroll
    for (int64_t k = s + group; k < e; k += G) {
      const float w = __ldg(a.val + k);
      const float* xr = x + static_cast<int64_t>(__ldg(a.col + k)) * d;
#pragma unroll
      for (int t = 0; t < T; ++t) {
        const int64_t v = gl + static_cast<int64_t>(t) * S;
        if (v < n_vec) acc[t] = Ops::fma(w, Ops::load_ro(xr + v * W), acc[t]);
      }
    }
    for (int offset = S; offset < 32; offset <<= 1) {
#pragma unroll
      for (int t = 0; t < T; ++t) acc[t] = Ops::add(acc[t], Ops::shfl_xor(acc[t], offset));
    }
    if (group != 0) continue;
    const int slot = chunk_row_slot(row_begin, row_end, k0, k1);
    float* part = slot < 0 ? nullptr : partials + chunk_partial_row(warp, slot) * d;
#pragma unroll
    for (int t = 0; t < T; ++t) {
      const int64_t v = gl + static_cast<int64_t>(t) * S;
      if (v >= n_vec) continue;
      if (slot < 0) ep(r, v * W, acc[t]);
      else Ops::store(part + v * W, acc[t]);
    }
  }
}

// Finishes the split rows: block b handles the row (if any) whose first
// boundary is (b + 1) * chunk. Warp s sums partials s, s + 8, ... of each
// column in order, then warp 0 adds the 8 stripe sums in order: a fixed
// summation order, independent of scheduling.
template <typename Epilogue>
__global__ void __launch_bounds__(kFixupWarps * 32)
    spmm_fixup_split_rows(CsrView a, int64_t d, int64_t chunk, const float* __restrict__ partials, Epilogue ep) {
  __shared__ float stripe_sum[kFixupWarps][32];
  const int64_t w_first = blockIdx.x;
  const int64_t r = split_row_at(a, chunk, (w_first + 1) * chunk);
  if (r < 0) return;  // the same r for every thread of the block
  const int64_t n_parts = split_row_partial_count(a, chunk, w_first, r);
  const int stripe = static_cast<int>(threadIdx.x / 32), lane = static_cast<int>(threadIdx.x % 32);
  for (int64_t j0 = 0; j0 < d; j0 += 32) {
    const int64_t j = j0 + lane;
    float sum = 0.0f;
    if (j < d)
      for (int64_t i = stripe; i < n_parts; i += kFixupWarps)
        sum += __ldg(partials + split_row_partial_row(w_first, i) * d + j);
    stripe_sum[stripe][lane] = sum;
    __syncthreads();
    if (stripe == 0 && j < d) {
      float total = stripe_sum[0][lane];
      for (int t = 1; t < kFixupWarps; ++t) total += stripe_sum[t][lane];
      ep(r, j, total);
    }
    __syncthreads();
  }
}

// Chunk size and lane grouping for a matrix (host side, spmm.cu).
struct SpmmShape {
  int64_t chunk;
  int64_t n_chunks;
  int group_lanes;       // S
  int vectors_per_lane;  // T
};
SpmmShape spmm_shape(const CsrView& a, int64_t d, bool vec4);

// Bytes of partial sums for a matrix (0 when it fits in one chunk).
size_t spmm_partials_bytes(const CsrView& a, int64_t d);

template <typename V, int T, typename Epilogue>
void spmm_launch_main_t(const CsrView& a, int64_t d, const float* x, const SpmmShape& sh, float* partials,
                      const Epilogue& ep, cudaStream_t stream) {
  cuda::launch("spmm_csr_chunked", &spmm_csr_chunked<V, T, Epilogue>, sh.n_chunks * 32, kSpmmBlock, stream, a, d, x,
               sh.chunk, sh.n_chunks, sh.group_lanes, partials, ep);
}

template <typename V, typename Epilogue>
void spmm_launch_main(const CsrView& a, int64_t d, const float* x, const SpmmShape& sh, float* partials,
                      const Epilogue& ep, cudaStream_t stream) {
  switch (sh.vectors_per_lane) {
    case 1: return spmm_launch_main_t<V, 1>(a, d, x, sh, partials, ep, stream);
    case 2: return spmm_launch_main_t<V, 2>(a, d, x, sh, partials, ep, stream);
    case 4: return spmm_launch_main_t<V, 4>(a, d, x, sh, partials, ep, stream);
    default: return spmm_launch_main_t<V, 8>(a, d, x, sh, partials, ep, stream);
  }
}

// main -> fixup with epilogue `ep`. An epilogue is a struct with
//   template <typename V> __device__ void operator()(int64_t r, int64_t j, V sum) const;
// receiving (A x)[r, j .. j + width(V)) exactly once per element, and a host
// `bool aligned16() const` saying whether its pointers allow float4 access.
// partials: spmm_partials_bytes(a, d) bytes of device scratch.
template <typename Epilogue>
void spmm_csr_launch(const CsrView& a, int64_t d, const float* x, void* partials, const Epilogue& ep,
                     cudaStream_t stream) {
  if (a.n_rows == 0 || d == 0) return;
  auto* part = static_cast<float*>(partials);
  const bool vec4 = d % 4 == 0 && cuda::is_aligned16(x) && cuda::is_aligned16(part) && ep.aligned16();
  const SpmmShape sh = spmm_shape(a, d, vec4);
  if (sh.n_chunks > 1 && part == nullptr)
    throw Error("spmm: this matrix needs " + std::to_string(spmm_partials_bytes(a, d)) +
                " bytes of scratch (spmm_csr_cuda_scratch_bytes) and none was given");
  if (vec4) spmm_launch_main<float4>(a, d, x, sh, part, ep, stream);
  else spmm_launch_main<float>(a, d, x, sh, part, ep, stream);
  if (sh.n_chunks > 1)
    cuda::launch("spmm_fixup_split_rows", &spmm_fixup_split_rows<Epilogue>, (sh.n_chunks - 1) * kFixupWarps * 32,
                 kFixupWarps * 32, stream, a, d, sh.chunk, static_cast<const float*>(part), ep);
}

// y = A x.
struct StoreEpilogue {
  float* y;
  int64_t d;
  template <typename V>
  __device__ void operator()(int64_t r, int64_t j, V v) const {
    VecOps<V>::store(y + r * d + j, v);
  }
  bool aligned16() const { return cuda::is_aligned16(y); }
};

}  // namespace mmgraph::kernels::detail
