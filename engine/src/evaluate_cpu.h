#pragma once
// Full-ranking evaluation on the CPU over split views (host memory), and the
// blocked scoring + masked top-K it is made of (recommend_topk uses it too).
#include <cstdint>
#include <vector>

#include "engine/src/device.h"
#include "kernels/common.h"
#include "kernels/topk.h"

namespace mmgraph::detail {

EvalResult evaluate_views_cpu(const EvalSplit& split, int64_t n_items, const float* user_rep,
                              const float* item_rep, int64_t d, const std::vector<int>& topk, int64_t user_block);

// The top-k items of the rows of block_rep [nb x d] against item_rep [n_items x d] (one CBLAS SGEMM
// into scores, grown as needed, then the masked top-K; masks' rows = block rows): Device::topk_of_rows
// of the CPU device.
void topk_of_rows_cpu(int64_t nb, const float* block_rep, const float* item_rep, int64_t d, int64_t n_items,
                      const kernels::RowMasks& masks, int k, std::vector<float>& scores, int32_t* top,
                      float* top_scores);

// The top-k items of users[0..nb) by dot product of user_rep [* x d] rows with every row of
// item_rep [n_items x d] (one CBLAS SGEMM), skipping each user's items in masks[0..n_masks)
// (CSR views whose rows are user ids). Writes top [nb x k] (best first, ties by lower id,
// -1 past the unmasked items) and, when top_scores is not null, their scores [nb x k].
// block_rep and scores are scratch, grown as needed.
void topk_of_users_cpu(const int32_t* users, int64_t nb, const float* user_rep, const float* item_rep, int64_t d,
                       int64_t n_items, const kernels::CsrView* masks, int n_masks, int k,
                       std::vector<float>& block_rep, std::vector<float>& scores, int32_t* top, float* top_scores);

}  // namespace mmgraph::detail
