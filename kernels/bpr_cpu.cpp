// CPU reference of the fused BPR loss: scores, loss, gradients and the L2 term.
// The per-triple dot products (the cost) run in parallel; the gradients and the
// sums are then accumulated in one sequential pass in batch order, so the result
// does not depend on the thread count (deterministic accumulation order).
#include <cmath>
#include <vector>

#include "kernels/bpr.h"

namespace mmgraph::kernels {

namespace {

// softplus(x) = log(1 + e^x), stable for large |x|.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// One triple's scores u.p - u.n and squared norms |u0|^2 + |p0|^2 + |n0|^2, each a float64
// sum over j in ascending order (five independent chains in one loop).
struct TripleDots {
  double s, sq;
};

TripleDots triple_dots(const float* eu, const float* ep, const float* en, const float* u0, const float* p0,
                       const float* n0, int64_t d) {
  double up = 0, un = 0, uu = 0, pp = 0, nn = 0;
  for (int64_t j = 0; j < d; ++j) {
    up += static_cast<double>(eu[j]) * ep[j];
    un += static_cast<double>(eu[j]) * en[j];
    uu += static_cast<double>(u0[j]) * u0[j];
    pp += static_cast<double>(p0[j]) * p0[j];
    nn += static_cast<double>(n0[j]) * n0[j];
  }
  return {up - un, uu + pp + nn};
}

}  // namespace

BprLoss bpr_loss_fused_cpu(const BprBatch& batch, int64_t d, const float* user_rep,
                           const float* item_rep, const float* user_emb0,
                           const float* item_emb0, float reg_weight, float* grad_user_rep,
                           float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0) {
  BprLoss loss;
  if (batch.size == 0) return loss;
  const double inv_b = 1.0 / static_cast<double>(batch.size);
  const float reg_scale = static_cast<float>(2.0 * reg_weight * inv_b);
  std::vector<TripleDots> dots(static_cast<size_t>(batch.size));
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch.size; ++b) {
    const int64_t u = batch.users[b], p = batch.pos[b], n = batch.neg[b];
    dots[static_cast<size_t>(b)] = triple_dots(user_rep + u * d, item_rep + p * d, item_rep + n * d,
                                               user_emb0 + u * d, item_emb0 + p * d, item_emb0 + n * d, d);
  }
  double sq = 0;
  for (int64_t b = 0; b < batch.size; ++b) {
    const int64_t u = batch.users[b], p = batch.pos[b], n = batch.neg[b];
    const double s = dots[static_cast<size_t>(b)].s;
    loss.bpr += softplus(-s);
    // d softplus(-s) / ds = -sigmoid(-s)
    const float coef = static_cast<float>(-batch.weight * inv_b / (1.0 + std::exp(s)));
    const float* eu = user_rep + u * d;
    const float* ep = item_rep + p * d;
    const float* en = item_rep + n * d;
    float* gu = grad_user_rep + u * d;
    float* gp = grad_item_rep + p * d;
    float* gn = grad_item_rep + n * d;
    for (int64_t j = 0; j < d; ++j) {
      const float uj = eu[j], pj = ep[j], nj = en[j];
      gu[j] += coef * (pj - nj);
      gp[j] += coef * uj;
      gn[j] -= coef * uj;
    }
    sq += dots[static_cast<size_t>(b)].sq;
    const float* u0 = user_emb0 + u * d;
    const float* p0 = item_emb0 + p * d;
    const float* n0 = item_emb0 + n * d;
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
