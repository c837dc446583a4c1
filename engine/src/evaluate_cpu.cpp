// Full-ranking evaluation on the CPU: user blocks scored with a CBLAS GEMM,
// masked top-K per row, metric sums over all held-out items and over the cold
// ones from the same top-K lists; never the whole users x items matrix.
#include "engine/src/evaluate_cpu.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "engine/src/eval_blocks.h"
#include "kernels/ranking_metrics.h"
#include "kernels/topk.h"
#include "mmgraph/trainer.h"

namespace mmgraph {
namespace detail {

void topk_of_rows_cpu(int64_t nb, const float* block_rep, const float* item_rep, int64_t d, int64_t n_items,
                      const kernels::RowMasks& masks, int k, std::vector<float>& scores, int32_t* top,
                      float* top_scores) {
  if (nb == 0) return;
  scores.resize(std::max(scores.size(), static_cast<size_t>(nb * n_items)));
  // scores [nb x I] = block_rep [nb x d] * item_rep^T (BLAS rejects ldc = 0: no GEMM without items)
  if (n_items > 0)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb), static_cast<int>(n_items),
                static_cast<int>(d), 1.0f, block_rep, static_cast<int>(d), item_rep, static_cast<int>(d), 0.0f,
                scores.data(), static_cast<int>(n_items));
  kernels::topk_masked_rows_cpu(nb, n_items, scores.data(), n_items, 0, masks, k, top, top_scores);
}

void topk_of_users_cpu(const int32_t* users, int64_t nb, const float* user_rep, const float* item_rep, int64_t d,
                       int64_t n_items, const kernels::CsrView* masks, int n_masks, int k,
                       std::vector<float>& block_rep, std::vector<float>& scores, int32_t* top, float* top_scores) {
  if (nb == 0) return;
  block_rep.resize(std::max(block_rep.size(), static_cast<size_t>(nb * d)));
  for (int64_t r = 0; r < nb; ++r)
    std::copy_n(user_rep + static_cast<int64_t>(users[r]) * d, d, block_rep.data() + r * d);
  std::vector<kernels::CsrHost> mask_rows;
  kernels::RowMasks row_masks;
  for (int m = 0; m < n_masks; ++m) mask_rows.push_back(gather_rows(masks[m], users, nb));
  for (const auto& m : mask_rows) row_masks.mask[row_masks.count++] = m.view();
  topk_of_rows_cpu(nb, block_rep.data(), item_rep, d, n_items, row_masks, k, scores, top, top_scores);
}

EvalResult evaluate_views_cpu(const EvalSplit& split, int64_t n_items, const float* user_rep,
                              const float* item_rep, int64_t d, const std::vector<int>& topk, int64_t user_block) {
  const int k = max_k(topk);
  const std::vector<int32_t> users = rows_with_items(split.truth);
  const int64_t block = std::max<int64_t>(1, std::min<int64_t>(user_block, static_cast<int64_t>(users.size())));
  const bool has_cold = split.cold.n_rows > 0;

  std::vector<float> block_rep, scores;
  std::vector<int32_t> top(static_cast<size_t>(block * k));
  const size_t n_sums = static_cast<size_t>(kernels::kRankingMetrics) * topk.size();
  std::vector<double> sums(n_sums, 0.0), cold_sums(n_sums, 0.0);
  int64_t counted = 0, cold_counted = 0;

  for (size_t first = 0; first < users.size(); first += static_cast<size_t>(block)) {
    const int64_t nb = std::min<int64_t>(block, static_cast<int64_t>(users.size() - first));
    const int32_t* block_users = users.data() + first;
    topk_of_users_cpu(block_users, nb, user_rep, item_rep, d, n_items, split.masks, split.n_masks, k, block_rep,
                      scores, top.data(), nullptr);

    const kernels::CsrHost truth_rows = gather_rows(split.truth, block_users, nb);
    kernels::ranking_metrics_cpu(nb, k, top.data(), 0, truth_rows.view(), topk.data(), static_cast<int>(topk.size()),
                                 sums.data(), &counted);
    if (has_cold) {
      const kernels::CsrHost cold_rows = gather_rows(split.cold, block_users, nb);
      kernels::ranking_metrics_cpu(nb, k, top.data(), 0, cold_rows.view(), topk.data(),
                                   static_cast<int>(topk.size()), cold_sums.data(), &cold_counted);
    }
  }
  EvalResult result;
  result.all = metric_table(topk, sums, counted);
  if (has_cold) result.cold = metric_table(topk, cold_sums, cold_counted);
  return result;
}

}  // namespace detail

MetricTable evaluate_cpu(const Dataset& data, Split split, const float* user_rep, const float* item_rep, int dim,
                         const std::vector<int>& topk, int64_t user_block) {
  detail::EvalSplit views;
  views.truth = detail::view_of(split == Split::kValid ? data.valid : data.test, data.n_items);
  views.masks[views.n_masks++] = detail::view_of(data.train, data.n_items);
  if (split == Split::kTest) views.masks[views.n_masks++] = detail::view_of(data.valid, data.n_items);
  return detail::evaluate_views_cpu(views, data.n_items, user_rep, item_rep, dim, topk, user_block).all;
}

}  // namespace mmgraph
