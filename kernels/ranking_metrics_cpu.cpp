// CPU reference of the ranking metrics (Recall, NDCG, Precision, Hit, MAP @ K).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ranking_metrics.h"
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

void ranking_metrics_cpu(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user,
                         const CsrView& truth, const int* cutoffs, int n_cutoffs, MetricSum* sums,
                         int64_t* n_counted) {
  std::vector<MetricSum> local(static_cast<size_t>(kRankingMetrics * n_cutoffs), 0);
  int64_t counted = 0;
  for (int64_t r = 0; r < n_rows; ++r) {
    const int64_t user = first_user + r;
    const int32_t* t = truth.col + truth.row_ptr[user];
    const int64_t n_truth = truth.row_ptr[user + 1] - truth.row_ptr[user];
    if (n_truth == 0) continue;
    ++counted;
    for (int c = 0; c < n_cutoffs; ++c) {
      const int cut = cutoffs[c];
      double hits = 0, dcg = 0, idcg = 0, ap = 0;
      for (int s = 0; s < cut; ++s) {
        const int32_t item = topk_idx[r * k + s];
        const double discount = 1.0 / std::log2(static_cast<double>(s) + 2.0);
        if (s < n_truth) idcg += discount;
        if (item >= 0 && sorted_contains(t, n_truth, item)) {
          hits += 1;
          dcg += discount;
          ap += hits / static_cast<double>(s + 1);
        }
      }
      const double denom = static_cast<double>(std::min<int64_t>(n_truth, cut));
      local[0 * n_cutoffs + c] += metric_sum_term(hits / static_cast<double>(n_truth));
      local[1 * n_cutoffs + c] += metric_sum_term(dcg / idcg);
      local[2 * n_cutoffs + c] += metric_sum_term(hits / cut);
      local[3 * n_cutoffs + c] += metric_sum_term(hits > 0 ? 1.0 : 0.0);
      local[4 * n_cutoffs + c] += metric_sum_term(ap / denom);
    }
  }
  for (size_t m = 0; m < local.size(); ++m) sums[m] += local[m];
  *n_counted += counted;
}

}  // namespace mmgraph::kernels
