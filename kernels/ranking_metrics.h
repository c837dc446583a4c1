#pragma once
// Ranking metrics of top-K lists against held-out items, as MMRec defines them:
//   Recall@K = hits / |truth|, Precision@K = hits / K, Hit@K = [hits > 0],
//   NDCG@K = DCG / IDCG with IDCG over min(|truth|, K) positions (log2(rank+1)),
//   MAP@K = sum_{r<=K} rel_r * P@r / min(|truth|, K).
// Only rows whose user has at least one truth item count.
#include <cmath>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Metric order within sums: Recall, NDCG, Precision, Hit, MAP (as mmgraph::kMetricNames).
inline constexpr int kRankingMetrics = 5;
// The most cut-offs one call takes (the CUDA twin passes them in its kernel's parameters);
// config validation holds topk to it, so a config means the same on both devices.
inline constexpr int kMaxCutoffs = 8;

// A metric sum, exact: each row's metric value (in [0, 1], computed in double) is rounded to a
// multiple of 2^-62 and the multiples are added as 128-bit integers, so a sum has the same bits in
// any order and any grouping of its rows (blocks of users, the processes of a run, the devices).
// The rounding moves a value by at most 2^-63.
__extension__ typedef unsigned __int128 MetricSum;
MMGRAPH_HD MetricSum metric_sum_term(double value) { return static_cast<MetricSum>(llround(value * 0x1p62)); }
inline double metric_sum_value(MetricSum sum) { return static_cast<double>(sum) * 0x1p-62; }

// topk_idx [n_rows x k] for users first_user..; truth rows indexed by user id
// (sorted). sums[m * n_cutoffs + c] += metric m at cutoffs[c] (each <= k);
// *n_counted += rows with truth.
void ranking_metrics_cpu(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user,
                         const CsrView& truth, const int* cutoffs, int n_cutoffs, MetricSum* sums,
                         int64_t* n_counted);

// CUDA twin: sums (device, [5 * n_cutoffs]) and n_counted (device) are accumulated by a block
// reduction; cutoffs is a host array (copied into kernel params), at most kMaxCutoffs of them.
void ranking_metrics_cuda(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user,
                          const CsrView& truth, const int* cutoffs, int n_cutoffs, MetricSum* sums,
                          int64_t* n_counted, cudaStream_t stream);

}  // namespace mmgraph::kernels
