// CPU reference of the fused BPR loss: scores, loss, gradients and the L2 term
// in one sequential pass over the batch (deterministic accumulation order).
#include <cmath>

#include "kernels/bpr.h"

namespace mmgraph::kernels {

namespace {

double dot(const float* a, const float* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

// softplus(x) = log(1 + e^x), stable for large |x|.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

}  // namespace

BprLoss bpr_loss_fused_cpu(const BprBatch& batch, int64_t d, const float* user_rep,
                           const float* item_rep, const float* user_emb0,
                           const float* item_emb0, float reg_weight, float* grad_user_rep,
                           float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0) {
  BprLoss loss;
  if (batch.size == 0) return loss;
  const double inv_b = 1.0 / static_cast<double>(batch.size);
  const float reg_scale = static_cast<float>(2.0 * reg_weight * inv_b);
  double sq = 0;
  for (int64_t b = 0; b < batch.size; ++b) {
    const int64_t u = batch.users[b], p = batch.pos[b], n = batch.neg[b];
    const float* eu = user_rep + u * d;
    const float* ep = item_rep + p * d;
    const float* en = item_rep + n * d;
    const double s = dot(eu, ep, d) - dot(eu, en, d);
    loss.bpr += softplus(-s);
    // d softplus(-s) / ds = -sigmoid(-s)
    const float coef = static_cast<float>(-batch.weight * inv_b / (1.0 + std::exp(s)));
    float* gu = grad_user_rep + u * d;
    float* gp = grad_item_rep + p * d;
    float* gn = grad_item_rep + n * d;
    for (int64_t j = 0; j < d; ++j) {
      const float uj = eu[j], pj = ep[j], nj = en[j];
      gu[j] += coef * (pj - nj);
      gp[j] += coef * uj;
      gn[j] -= coef * uj;
    }
    const float* u0 = user_emb0 + u * d;
    const float* p0 = item_emb0 + p * d;
    const float* n0 = item_emb0 + n * d;
    sq += dot(u0, u0, d) + dot(p0, p0, d) + dot(n0, n0, d);
    float* gu0 = grad_user_emb0 + u * d;
    float* gp0 = grad_item_emb0 + p * d;
    float* gn0 = grad_item_emb0 + n * d;
    for (int64_t j = 0; j < d; ++j) {
      gu0[j] += reg_scale * u0[j];
      gp0[j] += reg_scale * p0[j];
      gn0[j] += reg_scale * n0[j];
    }
  }
  loss.bpr *= batch.weight * inv_b;
  loss.reg = reg_weight * sq * inv_b;
  return loss;
}

}  // namespace mmgraph::kernels
