// CPU reference of the fused pointwise losses: one sequential pass over the
// batch (scores in float64, deterministic accumulation order).
#include "kernels/pointwise_loss.h"

#include <cmath>

#include "kernels/loss_math.h"

namespace mmgraph::kernels {

double pointwise_loss_fused_cpu(PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                                const float* targets, const float* user_rep, const float* item_rep, float weight,
                                float* grad_user_rep, float* grad_item_rep) {
  if (b == 0) return 0;
  const double scale = weight / static_cast<double>(b);
  double total = 0;
  for (int64_t e = 0; e < b; ++e) {
    const float* eu = user_rep + static_cast<int64_t>(users[e]) * d;
    const float* ei = item_rep + static_cast<int64_t>(items[e]) * d;
    const double s = dot64(eu, ei, d), y = targets[e];
    double ds = 0;
    if (kind == PointwiseLoss::kMse) {
      total += (s - y) * (s - y);
      ds = 2 * (s - y);
    } else {
      total += softplus64(s) - y * s;
      ds = 1 / (1 + std::exp(-s)) - y;
    }
    const auto g = static_cast<float>(scale * ds);
    float* gu = grad_user_rep + static_cast<int64_t>(users[e]) * d;
    float* gi = grad_item_rep + static_cast<int64_t>(items[e]) * d;
    for (int64_t j = 0; j < d; ++j) {
      const float uj = eu[j], ij = ei[j];
      gu[j] += g * ij;
      gi[j] += g * uj;
    }
  }
  return total * scale;
}

}  // namespace mmgraph::kernels
