// CUDA kNN cosine top-k over square tiles of T rows (knn_cosine_topk, and its block form
// knn_block_topk of kernels/knn_block_topk.h): per (row tile, column tile) the rows are
// normalised into scratch (a warp per row), a cuBLAS GEMM writes the T x T similarity tile (the float
// op: FP32 rows, compute type CUBLAS_COMPUTE_32F_PEDANTIC, no TF32 whatever the handle's math mode;
// the bf16 op: the normalised rows rounded to bf16, CUBLAS_COMPUTE_32F, FP32 output), and a warp
// per tile row merges the tile into that row's running top-k, kept in out_idx / out_sim between
// tiles. The scratch never depends on n beyond the tile (at most 4096 x 4096).
#include <algorithm>
#include <climits>

#include "kernels/cuda_check.h"
#include "kernels/knn_block_topk.h"
#include "kernels/knn_graph.h"
#include "kernels/knn_rule.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;
constexpr int kWarps = kBlock / 32;
constexpr int kPerLane = kMaxKnnK / 32;  // list entries per lane during a merge
constexpr int kMaxTile = 4096;
constexpr size_t kScratchBudget = size_t{256} << 20;
static_assert(kMaxKnnK % 32 == 0, "a merge gives each lane kMaxKnnK / 32 list entries");

// A warp's running top-k (sorted, `len` valid entries) and its candidate buffer (32 slots, one
// ballot's worth).
struct WarpLists {
  float sim[kMaxKnnK];
  int32_t idx[kMaxKnnK];
  float cand_sim[32];
  int32_t cand_idx[32];
};

// dst [rows x dim] = x [rows x dim] (float, or bf16 widened) with each row times its 1 / |x|, stored
// as float or (D = uint16_t) rounded on to bf16. One warp per row: the lanes stride over the columns
// (coalesced) and reduce the sum of squares in float64 by shuffles.
template <typename T, typename D>
__global__ void __launch_bounds__(kBlock) knn_normalize_rowwarp(int64_t rows, int64_t dim, const T* x, D* dst) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const T* row = x + r * dim;
  double s = 0;
  for (int64_t j = lane; j < dim; j += 32) s += static_cast<double>(knn_feature(row[j])) * knn_feature(row[j]);
  for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
  const double inv = knn_inv_norm(s);
  D* out = dst + r * dim;
  for (int64_t j = lane; j < dim; j += 32) knn_store_normalized(knn_feature(row[j]) * inv, out[j]);
}

// Merges the `count` buffered candidates into the warp's sorted list. Every entry's rank in the
// union is counted (a list entry: its position plus the candidates ranking before it; a candidate:
// the candidates ranking before it plus a binary search in the list); ids are distinct, so ranks
// are too, and each entry of rank < k moves to its rank after all lanes have read.
__device__ void merge_candidates(WarpLists& w, int k, int& len, int count, int lane) {
  __syncwarp();  // the candidates' writes are visible
  float ls[kPerLane];
  int32_t li[kPerLane];
  int lr[kPerLane];
#pragma unroll
  for (int j = 0; j < kPerLane; ++j) {
    const int a = lane + 32 * j;
    ls[j] = 0.0f;
    li[j] = 0;
    lr[j] = INT_MAX;
    if (a < len) {
      ls[j] = w.sim[a];
      li[j] = w.idx[a];
      int before = 0;
      for (int b = 0; b < count; ++b) before += knn_ranks_before(w.cand_sim[b], w.cand_idx[b], ls[j], li[j]);
      lr[j] = a + before;
    }
  }
  float cs = 0.0f;
  int32_t ci = 0;
  int cr = INT_MAX;
  if (lane < count) {
    cs = w.cand_sim[lane];
    ci = w.cand_idx[lane];
    int before = 0;
    for (int b = 0; b < count; ++b) before += knn_ranks_before(w.cand_sim[b], w.cand_idx[b], cs, ci);
    int lo = 0, hi = len;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (knn_ranks_before(w.sim[mid], w.idx[mid], cs, ci))
        lo = mid + 1;
      else
        hi = mid;
    }
    cr = before + lo;
  }
  __syncwarp();  // every read is done before any entry moves
#pragma unroll
  for (int j = 0; j < kPerLane; ++j) {
    if (lr[j] < k) {
      w.sim[lr[j]] = ls[j];
      w.idx[lr[j]] = li[j];
    }
  }
  if (cr < k) {
    w.sim[cr] = cs;
    w.idx[cr] = ci;
  }
  len = min(k, len + count);
  __syncwarp();
}

// Merges columns col_lo .. col_hi - 1 of the similarity tile rows [rows x ld] (row-major, ld % 4 == 0
// and the rows 16-byte aligned; column c has id id0 + c) into the rows' running top-k lists
// out_idx / out_sim [rows x k], whose first len entries are valid. One warp per tile row: the row's
// list goes to shared memory; the lanes read the tile row as float4, 128 columns per step
// (coalesced); a ballot gathers the values that rank before the list's k-th entry into the 32-slot
// buffer, merged into the list when the next ballot would overflow it. Once the list is full few
// values pass, so the tile row is read once and merges are rare.
__global__ void __launch_bounds__(kBlock) knn_merge_tile_rowwarp(int64_t rows, const float* tile, int64_t ld,
                                                                 int64_t col_lo, int64_t col_hi, int64_t id0, int len,
                                                                 int k, int32_t* out_idx, float* out_sim) {
  __shared__ WarpLists lists[kWarps];
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  WarpLists& w = lists[threadIdx.x / 32];
  float* row_sim = out_sim + r * k;
  int32_t* row_idx = out_idx + r * k;
  for (int a = lane; a < len; a += 32) {
    w.sim[a] = row_sim[a];
    w.idx[a] = row_idx[a];
  }
  __syncwarp();
  // The k-th entry, once the list is full: a value must rank before it to enter.
  float worst_sim = len == k ? w.sim[k - 1] : 0.0f;
  int32_t worst_idx = len == k ? w.idx[k - 1] : 0;
  const float* s = tile + r * ld;
  int count = 0;
  for (int64_t base = col_lo / 4 * 4; base < col_hi; base += 128) {
    const int64_t c0 = base + 4 * lane;
    float v[4];
    if (c0 >= col_lo && c0 + 3 < col_hi) {
      const float4 q = *reinterpret_cast<const float4*>(s + c0);
      v[0] = q.x;
      v[1] = q.y;
      v[2] = q.z;
      v[3] = q.w;
    } else {
      for (int q = 0; q < 4; ++q) v[q] = c0 + q >= col_lo && c0 + q < col_hi ? s[c0 + q] : 0.0f;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const bool in_tile = c0 + q >= col_lo && c0 + q < col_hi;
      const auto id = static_cast<int32_t>(id0 + c0 + q);
      bool take = in_tile && (len < k || knn_ranks_before(v[q], id, worst_sim, worst_idx));
      unsigned ballot = __ballot_sync(0xffffffffu, take);
      if (count + __popc(ballot) > 32) {
        merge_candidates(w, k, len, count, lane);
        count = 0;
        worst_sim = len == k ? w.sim[k - 1] : 0.0f;
        worst_idx = len == k ? w.idx[k - 1] : 0;
        take = in_tile && (len < k || knn_ranks_before(v[q], id, worst_sim, worst_idx));
        ballot = __ballot_sync(0xffffffffu, take);
      }
      if (take) {
        const int slot = count + __popc(ballot & ((1u << lane) - 1u));
        w.cand_sim[slot] = v[q];
        w.cand_idx[slot] = id;
      }
      count += __popc(ballot);
    }
  }
  if (count > 0) merge_candidates(w, k, len, count, lane);
  for (int a = lane; a < len; a += 32) {
    row_sim[a] = w.sim[a];
    row_idx[a] = w.idx[a];
  }
}

size_t align256(size_t bytes) { return (bytes + 255) / 256 * 256; }

// Scratch: two normalised row tiles [T x dim] (rows, columns; float, of which the bf16 op uses
// half) and the similarity tile [T x T], each 256-byte aligned. T: a power of two from 32 to kMaxTile, the smallest that covers n (when
// n < kMaxTile), halved while the scratch exceeds kScratchBudget.
struct TilePlan {
  int64_t t = 0;
  size_t rows = 0, cols = 0, sim = 0, total = 0;
};

TilePlan tile_plan(int64_t n, int64_t dim) {
  auto plan = [dim](int64_t t) {
    TilePlan p;
    p.t = t;
    const size_t row_tile = align256(static_cast<size_t>(t * dim) * sizeof(float));
    p.cols = row_tile;
    p.sim = 2 * row_tile;
    p.total = p.sim + align256(static_cast<size_t>(t * t) * sizeof(float));
    return p;
  };
  int64_t t = kMaxTile;
  while (t > 32 && (t / 2 >= n || plan(t).total > kScratchBudget)) t /= 2;
  return plan(t);
}

// sim [rows x cols] (row-major, leading dimension ld) = xr [rows x dim] xc [cols x dim]^T, FP32 without
// TF32. Row-major sim is, column-major, sim^T [cols x rows] = xc xr^T, with xc and xr read column-major
// as [dim x cols] and [dim x rows].
void similarity_tile(cublasHandle_t cublas, int64_t rows, int64_t cols, int64_t dim, const float* xr, const float* xc,
                     float* sim, int64_t ld) {
  const float one = 1.0f, zero = 0.0f;
  const int d = static_cast<int>(dim);
  MMGRAPH_CUDA_CHECK(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(cols), static_cast<int>(rows), d,
                                  &one, xc, CUDA_R_32F, d, xr, CUDA_R_32F, d, &zero, sim, CUDA_R_32F,
                                  static_cast<int>(ld), CUBLAS_COMPUTE_32F_PEDANTIC, CUBLAS_GEMM_DEFAULT));
}

// The same on bf16 rows: bf16 products, FP32 accumulation and output.
void similarity_tile(cublasHandle_t cublas, int64_t rows, int64_t cols, int64_t dim, const uint16_t* xr,
                     const uint16_t* xc, float* sim, int64_t ld) {
  const float one = 1.0f, zero = 0.0f;
  const int d = static_cast<int>(dim);
  MMGRAPH_CUDA_CHECK(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(cols), static_cast<int>(rows), d,
                                  &one, xc, CUDA_R_16BF, d, xr, CUDA_R_16BF, d, &zero, sim, CUDA_R_32F,
                                  static_cast<int>(ld), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// The op on float (T = float) or bf16 (T = uint16_t) features, normalised into rows of N: float
// rows by the FP32 GEMM (the float op) or bf16 rows by the bf16 GEMM (the bf16 op).
template <typename N, typename T>
void knn_cosine_topk_any(const char* who, int64_t n, int64_t dim, const T* features, int k, int32_t* out_idx,
                         float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  if (n == 0) return;
  knn_check_args(who, n, dim, k);
  const TilePlan p = tile_plan(n, dim);
  char* base = static_cast<char*>(scratch);
  N* xr = reinterpret_cast<N*>(base + p.rows);
  N* xc = reinterpret_cast<N*>(base + p.cols);
  float* sim = reinterpret_cast<float*>(base + p.sim);
  for (int64_t row0 = 0; row0 < n; row0 += p.t) {
    const int64_t rows = std::min(p.t, n - row0);
    cuda::launch("knn_normalize_rowwarp", &knn_normalize_rowwarp<T, N>, rows * 32, kBlock, stream, rows, dim,
                 features + row0 * dim, xr);
    for (int64_t col0 = 0; col0 < n; col0 += p.t) {
      const int64_t cols = std::min(p.t, n - col0);
      const N* xcol = xr;  // the diagonal tile pairs the row tile with itself
      if (col0 != row0) {
        cuda::launch("knn_normalize_rowwarp", &knn_normalize_rowwarp<T, N>, cols * 32, kBlock, stream, cols, dim,
                     features + col0 * dim, xc);
        xcol = xc;
      }
      similarity_tile(cublas, rows, cols, dim, xr, xcol, sim, p.t);
      // Columns come in order, so a row's list holds the best min(k, col0) of the earlier ones.
      const int len = static_cast<int>(std::min<int64_t>(k, col0));
      cuda::launch("knn_merge_tile_rowwarp", &knn_merge_tile_rowwarp, rows * 32, kBlock, stream, rows, sim, p.t,
                   int64_t{0}, cols, col0, len, k, out_idx + row0 * k, out_sim + row0 * k);
    }
  }
}

// Every entry of the lists idx / sim [count] := (-1, -inf).
__global__ void __launch_bounds__(kBlock) knn_topk_start_flat(int64_t count, int32_t* idx, float* sim) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= count) return;
  idx[e] = -1;
  sim[e] = -INFINITY;
}

// dst [tile_rows x dim] := the tile of global rows tile0 .. tile0 + tile_rows - 1, of which rows
// lo .. hi - 1 are normalised from src (global row first at src[0]) and the others zero.
void fill_tile(int64_t tile0, int64_t tile_rows, int64_t lo, int64_t hi, int64_t dim, const float* src, int64_t first,
               float* dst, cudaStream_t stream) {
  const size_t row_bytes = static_cast<size_t>(dim) * sizeof(float);
  if (lo > tile0) MMGRAPH_CUDA_CHECK(cudaMemsetAsync(dst, 0, static_cast<size_t>(lo - tile0) * row_bytes, stream));
  cuda::launch("knn_normalize_rowwarp", &knn_normalize_rowwarp<float, float>, (hi - lo) * 32, kBlock, stream, hi - lo, dim,
               src + (lo - first) * dim, dst + (lo - tile0) * dim);
  if (tile0 + tile_rows > hi)
    MMGRAPH_CUDA_CHECK(
        cudaMemsetAsync(dst + (hi - tile0) * dim, 0, static_cast<size_t>(tile0 + tile_rows - hi) * row_bytes, stream));
}

}  // namespace

void knn_topk_start_cuda(int64_t n_rows, int k, int32_t* idx, float* sim, cudaStream_t stream) {
  cuda::launch("knn_topk_start_flat", &knn_topk_start_flat, n_rows * k, kBlock, stream, n_rows * k, idx, sim);
}

// The tiles of T x T global ids (T from knn_cosine_topk's tile plan for n) that meet the query rows
// and the block: each is normalised and multiplied whole, the rows outside the ranges as zero rows,
// so every cosine comes from the same GEMM call as in knn_cosine_topk_cuda; the part of the tile
// that pairs the query rows with the block's candidates is merged into their lists.
void knn_block_topk_cuda(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                         int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx, float* sim,
                         void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  const char* who = "knn_block_topk_cuda";
  knn_check_block_args(who, n, row_first, n_rows, col_first, n_cols);
  if (n_rows == 0 || n_cols == 0) return;
  knn_check_args(who, n, dim, k);
  const TilePlan p = tile_plan(n, dim);
  char* base = static_cast<char*>(scratch);
  float* xr = reinterpret_cast<float*>(base + p.rows);
  float* xc = reinterpret_cast<float*>(base + p.cols);
  float* tile = reinterpret_cast<float*>(base + p.sim);
  const int64_t row_end = row_first + n_rows, col_end = col_first + n_cols;
  for (int64_t row0 = row_first / p.t * p.t; row0 < row_end; row0 += p.t) {
    const int64_t rows = std::min(p.t, n - row0);
    const int64_t lo = std::max(row0, row_first), hi = std::min(row0 + rows, row_end);
    fill_tile(row0, rows, lo, hi, dim, query, row_first, xr, stream);
    for (int64_t col0 = col_first / p.t * p.t; col0 < col_end; col0 += p.t) {
      const int64_t cols = std::min(p.t, n - col0);
      const int64_t c_lo = std::max(col0, col_first), c_hi = std::min(col0 + cols, col_end);
      fill_tile(col0, cols, c_lo, c_hi, dim, block, col_first, xc, stream);
      similarity_tile(cublas, rows, cols, dim, xr, xc, tile, p.t);
      cuda::launch("knn_merge_tile_rowwarp", &knn_merge_tile_rowwarp, (hi - lo) * 32, kBlock, stream, hi - lo,
                   tile + (lo - row0) * p.t, p.t, c_lo - col0, c_hi - col0, col0, k, k, idx + (lo - row_first) * k,
                   sim + (lo - row_first) * k);
    }
  }
}

size_t knn_cosine_topk_cuda_scratch_bytes(int64_t n, int64_t dim, int /*k*/) {
  return n == 0 ? 0 : tile_plan(n, dim).total;
}

void knn_cosine_topk_cuda(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim,
                          void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  knn_cosine_topk_any<float>("knn_cosine_topk_cuda", n, dim, features, k, out_idx, out_sim, scratch, cublas, stream);
}

void knn_cosine_topk_bf16_cuda(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                               float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  knn_cosine_topk_any<uint16_t>("knn_cosine_topk_bf16_cuda", n, dim, features, k, out_idx, out_sim, scratch, cublas, stream);
}

}  // namespace mmgraph::kernels
