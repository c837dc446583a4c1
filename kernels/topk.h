#pragma once
// Masked per-row top-K of a block of scores, for full-ranking evaluation.
// scores [n_rows x n_cols] with leading dimension ld holds the scores of users
// first_user .. first_user + n_rows - 1 against every item. Items listed for the
// user in any of the masks (training items; for test also validation items) are
// excluded. out_idx [n_rows x k] receives the k best items in descending score,
// ties broken by the lower item id; -1 fills slots when fewer than k items are
// unmasked. out_score [n_rows x k] (may be null) receives their scores.
// Both twins order scores by topk_order_key, a total order: -inf and NaN scores
// are ranked too (a NaN above +inf), so every slot names a real item or -1.
#include <cstdint>
#include <cstring>

#include "kernels/common.h"

namespace mmgraph::kernels {

inline constexpr int kMaxTopK = 100;

// Monotone map float -> uint32 (larger float, larger key). -0 and +0 get the same key,
// so they tie (lower item id first); a NaN with the sign bit clear ranks above +inf,
// one with it set below -inf.
MMGRAPH_HD uint32_t topk_order_key(float f) {
#if defined(__CUDA_ARCH__)
  uint32_t u = __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
#endif
  if (f == 0.0f) u = 0;
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

struct RowMasks {
  CsrView mask[2];  // rows indexed by user id; val unused
  int count = 0;
};

void topk_masked_rows_cpu(int64_t n_rows, int64_t n_cols, const float* scores, int64_t ld,
                          int64_t first_user, const RowMasks& masks, int k, int32_t* out_idx,
                          float* out_score);

// CUDA twin: never sorts whole rows (radix select of the K-th score, then a
// ranking of the <= K winners). k <= kMaxTopK. It overwrites the masked entries
// of `scores` with a marker NaN whose key is 0, below every score's (the block of
// scores is scratch of the evaluator).
void topk_masked_rows_cuda(int64_t n_rows, int64_t n_cols, float* scores, int64_t ld,
                           int64_t first_user, const RowMasks& masks, int k, int32_t* out_idx,
                           float* out_score, cudaStream_t stream);

}  // namespace mmgraph::kernels
