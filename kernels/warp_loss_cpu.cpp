// CPU reference of the fused WARP loss: one sequential pass over the batch,
// scores in float64, candidates tried in order until the first violator.
#include "kernels/warp_loss.h"

#include "kernels/loss_math.h"

namespace mmgraph::kernels {

double warp_loss_fused_cpu(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users,
                           const int32_t* pos, const int32_t* cand, float margin, const float* user_rep,
                           const float* item_rep, float weight, float* grad_user_rep, float* grad_item_rep) {
  if (b == 0) return 0;
  const double scale = weight / static_cast<double>(b);
  double total = 0;
  for (int64_t e = 0; e < b; ++e) {
    const float* eu = user_rep + static_cast<int64_t>(users[e]) * d;
    const float* ep = item_rep + static_cast<int64_t>(pos[e]) * d;
    const double s_up = dot64(eu, ep, d);
    for (int t = 0; t < n_candidates; ++t) {
      const int32_t j = cand[e * n_candidates + t];
      const float* ej = item_rep + static_cast<int64_t>(j) * d;
      const double violation = margin - s_up + dot64(eu, ej, d);
      if (!(violation > 0)) continue;  // NaN scores violate nothing, as on the GPU
      const double rank_weight = warp_rank_weight(n_items, t + 1);
      total += rank_weight * violation;
      const auto c = static_cast<float>(scale * rank_weight);
      float* gu = grad_user_rep + static_cast<int64_t>(users[e]) * d;
      float* gp = grad_item_rep + static_cast<int64_t>(pos[e]) * d;
      float* gj = grad_item_rep + static_cast<int64_t>(j) * d;
      for (int64_t k = 0; k < d; ++k) {
        const float uk = eu[k], pk = ep[k], jk = ej[k];
        gu[k] += c * (jk - pk);
        gp[k] -= c * uk;
        gj[k] += c * uk;
      }
      break;
    }
  }
  return total * scale;
}

}  // namespace mmgraph::kernels
