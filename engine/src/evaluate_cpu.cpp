// Full-ranking evaluation on the CPU: user blocks scored with a CBLAS GEMM,
// masked top-K per row, metric sums; never the whole users x items matrix.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "engine/src/eval_blocks.h"
#include "kernels/ranking_metrics.h"
#include "kernels/topk.h"
#include "mmgraph/trainer.h"

namespace mmgraph {

MetricTable evaluate_cpu(const Dataset& data, Split split, const float* user_rep,
                         const float* item_rep, int dim, const std::vector<int>& topk,
                         int64_t user_block) {
  const int k = detail::max_k(topk);
  const InteractionCsr& truth = detail::truth_of(data, split);
  const std::vector<const InteractionCsr*> masks = detail::masks_of(data, split);
  const std::vector<int32_t> users = detail::users_with_items(truth);
  const int64_t n_items = data.n_items;
  const int64_t block = std::max<int64_t>(1, std::min<int64_t>(user_block, static_cast<int64_t>(users.size())));

  std::vector<float> block_rep(static_cast<size_t>(block * dim));
  std::vector<float> scores(static_cast<size_t>(block * n_items));
  std::vector<int32_t> top(static_cast<size_t>(block * k));
  std::vector<double> sums(static_cast<size_t>(kernels::kRankingMetrics) * topk.size(), 0.0);
  int64_t counted = 0;

  for (size_t first = 0; first < users.size(); first += static_cast<size_t>(block)) {
    const int64_t nb = std::min<int64_t>(block, static_cast<int64_t>(users.size() - first));
    const int32_t* block_users = users.data() + first;
    for (int64_t r = 0; r < nb; ++r)
      std::copy_n(user_rep + static_cast<int64_t>(block_users[r]) * dim, dim, block_rep.data() + r * dim);
    // scores [nb x I] = block_rep [nb x d] * item_rep^T
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb), static_cast<int>(n_items), dim,
                1.0f, block_rep.data(), dim, item_rep, dim, 0.0f, scores.data(), static_cast<int>(n_items));

    std::vector<kernels::CsrHost> mask_rows;
    kernels::RowMasks row_masks;
    for (const InteractionCsr* m : masks) mask_rows.push_back(detail::gather_rows(*m, block_users, nb));
    for (const auto& m : mask_rows) row_masks.mask[row_masks.count++] = m.view();
    kernels::topk_masked_rows_cpu(nb, n_items, scores.data(), n_items, 0, row_masks, k, top.data(), nullptr);

    const kernels::CsrHost truth_rows = detail::gather_rows(truth, block_users, nb);
    kernels::ranking_metrics_cpu(nb, k, top.data(), 0, truth_rows.view(), topk.data(),
                                 static_cast<int>(topk.size()), sums.data(), &counted);
  }
  return detail::metric_table(topk, sums, counted);
}

}  // namespace mmgraph
