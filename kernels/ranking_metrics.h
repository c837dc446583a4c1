#pragma once
// Ranking metrics of top-K lists against held-out items, as MMRec defines them:
//   Recall@K = hits / |truth|, Precision@K = hits / K, Hit@K = [hits > 0],
//   NDCG@K = DCG / IDCG with IDCG over min(|truth|, K) positions (log2(rank+1)),
//   MAP@K = sum_{r<=K} rel_r * P@r / min(|truth|, K).
// Only rows whose user has at least one truth item count.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Metric order within sums: Recall, NDCG, Precision, Hit, MAP (as mmgraph::kMetricNames).
inline constexpr int kRankingMetrics = 5;
// The most cut-offs one call takes (the CUDA twin passes them in its kernel's parameters);
// config validation holds topk to it, so a config means the same on both devices.
inline constexpr int kMaxCutoffs = 8;

// topk_idx [n_rows x k] for users first_user..; truth rows indexed by user id
// (sorted). sums[m * n_cutoffs + c] += metric m at cutoffs[c] (each <= k);
// *n_counted += rows with truth. Accumulated in double.
void ranking_metrics_cpu(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user,
                         const CsrView& truth, const int* cutoffs, int n_cutoffs, double* sums,
                         int64_t* n_counted);

// CUDA twin: sums (device, double [5 * n_cutoffs]) and n_counted (device) are
// accumulated by a fixed-order block reduction (bit-identical run to run);
// cutoffs is a host array (copied into kernel params), at most kMaxCutoffs of them.
void ranking_metrics_cuda(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user,
                          const CsrView& truth, const int* cutoffs, int n_cutoffs, double* sums,
                          int64_t* n_counted, cudaStream_t stream);

}  // namespace mmgraph::kernels
