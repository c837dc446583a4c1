// CUDA masked per-row top-K without sorting rows: one block per row masks the
// row's training items (a marker NaN of key 0 in place), finds the K-th largest score by a
// 4-pass 8-bit radix select on order-preserving keys, gathers the winners
// (ties at the threshold by lowest item id, via an in-order block scan) and
// ranks the <= K winners in shared memory.
#include <cub/block/block_scan.cuh>

#include "kernels/cuda_check.h"
#include "kernels/topk.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;

// Masked items: all bits set, a NaN whose order key is 0, below every other score's.
constexpr uint32_t kMaskedBits = 0xFFFFFFFFu;

__global__ void __launch_bounds__(kBlock) topk_masked_rowblock(int64_t n_cols, float* scores, int64_t ld,
                                                               int64_t first_user, RowMasks masks, int k,
                                                               int32_t* out_idx, float* out_score) {
  using BlockScan = cub::BlockScan<int, kBlock>;
  __shared__ typename BlockScan::TempStorage scan_storage;
  __shared__ int hist[256];
  __shared__ uint32_t sh_prefix;
  __shared__ int sh_need;
  __shared__ int sh_count;
  __shared__ float win_score[kMaxTopK];
  __shared__ uint32_t win_key[kMaxTopK];
  __shared__ int32_t win_idx[kMaxTopK];

  const int64_t r = blockIdx.x;
  float* row = scores + r * ld;
  const int64_t user = first_user + r;
  // 1. Mask: masked items get the marker (reported as -1 below).
  for (int m = 0; m < masks.count; ++m) {
    const CsrView& mk = masks.mask[m];
    for (int64_t e = mk.row_ptr[user] + threadIdx.x; e < mk.row_ptr[user + 1]; e += kBlock)
      row[mk.col[e]] = __uint_as_float(kMaskedBits);
  }
  __syncthreads();

  const int keff = n_cols < k ? static_cast<int>(n_cols) : k;
  // 2. Radix select of the keff-th largest key, 8 bits per pass from the top.
  uint32_t prefix = 0, prefix_mask = 0;
  int need = keff;
  for (int shift = 24; shift >= 0 && keff > 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += kBlock) hist[b] = 0;
    __syncthreads();
    for (int64_t c = threadIdx.x; c < n_cols; c += kBlock) {
      const uint32_t key = topk_order_key(row[c]);
      if ((key & prefix_mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      int above = 0, bin = 255;
      for (; bin > 0 && above + hist[bin] < need; --bin) above += hist[bin];
      sh_prefix = prefix | (static_cast<uint32_t>(bin) << shift);
      sh_need = need - above;
    }
    __syncthreads();
    prefix = sh_prefix;
    need = sh_need;
    prefix_mask |= 255u << shift;
    __syncthreads();
  }
  // prefix = key of the keff-th largest; `need` elements equal to it are taken,
  // every element above it is taken.
  // 3. Gather in index order, tiles of kBlock columns.
  if (threadIdx.x == 0) sh_count = 0;
  int ties_taken = 0;
  __syncthreads();
  for (int64_t base = 0; base < n_cols && keff > 0; base += kBlock) {
    const int64_t c = base + threadIdx.x;
    const uint32_t key = c < n_cols ? topk_order_key(row[c]) : 0u;
    const int is_tie = c < n_cols && key == prefix;
    int tie_rank, tie_total;
    BlockScan(scan_storage).ExclusiveSum(is_tie, tie_rank, tie_total);
    const bool take = c < n_cols && (key > prefix || (is_tie && ties_taken + tie_rank < need));
    if (take) {
      const int slot = atomicAdd(&sh_count, 1);
      win_score[slot] = row[c];
      win_key[slot] = key;
      win_idx[slot] = static_cast<int32_t>(c);
    }
    ties_taken += tie_total;
    __syncthreads();
  }
  // 4. Rank the winners by the selection's own total order (key descending, then item
  // id ascending): the ranks are a permutation of 0 .. count-1, so every slot is written.
  const int count = sh_count;
  for (int i = threadIdx.x; i < count; i += kBlock) {
    const uint32_t key = win_key[i];
    const int32_t id = win_idx[i];
    int rank = 0;
    for (int j = 0; j < count; ++j) rank += win_key[j] > key || (win_key[j] == key && win_idx[j] < id);
    const bool masked = __float_as_uint(win_score[i]) == kMaskedBits;
    out_idx[r * k + rank] = masked ? -1 : id;
    if (out_score) out_score[r * k + rank] = masked ? 0.0f : win_score[i];
  }
  for (int i = count + threadIdx.x; i < k; i += kBlock) {
    out_idx[r * k + i] = -1;
    if (out_score) out_score[r * k + i] = 0.0f;
  }
}

}  // namespace

void topk_masked_rows_cuda(int64_t n_rows, int64_t n_cols, float* scores, int64_t ld, int64_t first_user,
                           const RowMasks& masks, int k, int32_t* out_idx, float* out_score, cudaStream_t stream) {
  if (n_rows == 0) return;
  if (k <= 0 || k > kMaxTopK) throw Error("topk_masked_rows_cuda: k must be in 1.." + std::to_string(kMaxTopK));
  cuda::launch("topk_masked_rowblock", &topk_masked_rowblock, n_rows * kBlock, kBlock, stream, n_cols, scores, ld,
               first_user, masks, k, out_idx, out_score);
}

}  // namespace mmgraph::kernels
