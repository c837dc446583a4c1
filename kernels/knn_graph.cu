// CUDA kNN cosine top-k over square tiles of T rows: per (row tile, column tile) the rows are
// normalised into scratch (a warp per row), an FP32 cuBLAS GEMM writes the T x T similarity tile
// (compute type CUBLAS_COMPUTE_32F_PEDANTIC: no TF32, whatever the handle's math mode), and a warp
// per tile row merges the tile into that row's running top-k, kept in out_idx / out_sim between
// tiles. The scratch never depends on n beyond the tile (at most 4096 x 4096).
#include <algorithm>
#include <climits>

#include "kernels/cuda_check.h"
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

// dst [rows x dim] = x [rows x dim] (float, or bf16 widened) with each row times its 1 / |x|. One
// warp per row: the lanes stride over the columns (coalesced) and reduce the sum of squares in
// float64 by shuffles.
template <typename T>
__global__ void __launch_bounds__(kBlock) knn_normalize_rowwarp(int64_t rows, int64_t dim, const T* x, float* dst) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const T* row = x + r * dim;
  double s = 0;
  for (int64_t j = lane; j < dim; j += 32) s += static_cast<double>(knn_feature(row[j])) * knn_feature(row[j]);
  for (int offset = 16; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
  const double inv = knn_inv_norm(s);
  float* out = dst + r * dim;
  for (int64_t j = lane; j < dim; j += 32) out[j] = static_cast<float>(knn_feature(row[j]) * inv);
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

// Merges the similarity tile [rows x cols] (row-major, leading dimension ld, ld % 4 == 0 and the
// tile 16-byte aligned) of rows row0.. and columns col0.. into the rows' running top-k lists in
// out_idx / out_sim [n x k]. One warp per tile row: the row's list (min(k, col0) entries, the best
// of the earlier columns) goes to shared memory; the lanes read the tile row as float4, 128 columns
// per step (coalesced); a ballot gathers the values that rank before the list's k-th entry into the
// 32-slot buffer, merged into the list when the next ballot would overflow it. Once the list is
// full few values pass, so the tile row is read once and merges are rare.
__global__ void __launch_bounds__(kBlock) knn_merge_tile_rowwarp(int64_t rows, int64_t cols, const float* tile,
                                                                 int64_t ld, int64_t row0, int64_t col0, int k,
                                                                 int32_t* out_idx, float* out_sim) {
  __shared__ WarpLists lists[kWarps];
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  WarpLists& w = lists[threadIdx.x / 32];
  float* row_sim = out_sim + (row0 + r) * k;
  int32_t* row_idx = out_idx + (row0 + r) * k;
  int len = col0 < k ? static_cast<int>(col0) : k;
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
  for (int64_t base = 0; base < cols; base += 128) {
    const int64_t c0 = base + 4 * lane;
    float v[4];
    if (c0 + 3 < cols) {
      const float4 q = *reinterpret_cast<const float4*>(s + c0);
      v[0] = q.x;
      v[1] = q.y;
      v[2] = q.z;
      v[3] = q.w;
    } else {
      for (int q = 0; q < 4; ++q) v[q] = c0 + q < cols ? s[c0 + q] : 0.0f;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const bool in_tile = c0 + q < cols;
      const auto id = static_cast<int32_t>(col0 + c0 + q);
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

// Scratch: two normalised row tiles [T x dim] (rows, columns) and the similarity tile [T x T],
// each 256-byte aligned. T: a power of two from 32 to kMaxTile, the smallest that covers n (when
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

// The op on float (T = float) or bf16 (T = uint16_t) features: only the normalisation reads them.
template <typename T>
void knn_cosine_topk_any(const char* who, int64_t n, int64_t dim, const T* features, int k, int32_t* out_idx,
                         float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  if (n == 0) return;
  knn_check_args(who, n, dim, k);
  const TilePlan p = tile_plan(n, dim);
  char* base = static_cast<char*>(scratch);
  float* xr = reinterpret_cast<float*>(base + p.rows);
  float* xc = reinterpret_cast<float*>(base + p.cols);
  float* sim = reinterpret_cast<float*>(base + p.sim);
  const float one = 1.0f, zero = 0.0f;
  const int d = static_cast<int>(dim), ld = static_cast<int>(p.t);
  for (int64_t row0 = 0; row0 < n; row0 += p.t) {
    const int64_t rows = std::min(p.t, n - row0);
    cuda::launch("knn_normalize_rowwarp", &knn_normalize_rowwarp<T>, rows * 32, kBlock, stream, rows, dim,
                 features + row0 * dim, xr);
    for (int64_t col0 = 0; col0 < n; col0 += p.t) {
      const int64_t cols = std::min(p.t, n - col0);
      const float* xcol = xr;  // the diagonal tile pairs the row tile with itself
      if (col0 != row0) {
        cuda::launch("knn_normalize_rowwarp", &knn_normalize_rowwarp<T>, cols * 32, kBlock, stream, cols, dim,
                     features + col0 * dim, xc);
        xcol = xc;
      }
      // sim [rows x cols] row-major (ld T) is, column-major, sim^T [cols x rows] = xcol xr^T,
      // with xcol and xr read column-major as [dim x cols] and [dim x rows].
      MMGRAPH_CUDA_CHECK(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(cols), static_cast<int>(rows),
                                      d, &one, xcol, CUDA_R_32F, d, xr, CUDA_R_32F, d, &zero, sim, CUDA_R_32F, ld,
                                      CUBLAS_COMPUTE_32F_PEDANTIC, CUBLAS_GEMM_DEFAULT));
      cuda::launch("knn_merge_tile_rowwarp", &knn_merge_tile_rowwarp, rows * 32, kBlock, stream, rows, cols, sim,
                   p.t, row0, col0, k, out_idx, out_sim);
    }
  }
}

}  // namespace

size_t knn_cosine_topk_cuda_scratch_bytes(int64_t n, int64_t dim, int /*k*/) {
  return n == 0 ? 0 : tile_plan(n, dim).total;
}

void knn_cosine_topk_cuda(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim,
                          void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  knn_cosine_topk_any("knn_cosine_topk_cuda", n, dim, features, k, out_idx, out_sim, scratch, cublas, stream);
}

void knn_cosine_topk_bf16_cuda(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                               float* out_sim, void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  knn_cosine_topk_any("knn_cosine_topk_bf16_cuda", n, dim, features, k, out_idx, out_sim, scratch, cublas, stream);
}

}  // namespace mmgraph::kernels
