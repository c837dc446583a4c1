// CPU reference of the fused BPR loss: scores, loss, gradients and the L2 term.
// The per-triple dot products run in parallel; the gradients are then scattered by
// threads that each own a set of rows and visit the batch in order, and the sums are
// taken in batch order, so the result does not depend on the thread count.
#include <omp.h>

#include <cmath>
#include <vector>

#include "kernels/bpr.h"

namespace mmgraph::kernels {

namespace {

// softplus(x) = log(1 + e^x), stable for large |x|.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// One triple's scores u.p - u.n and squared norms |u0|^2 + |p0|^2 + |n0|^2, each a float64
// sum of the (exact) products of floats, vectorised over j: the order of the sums is the
// compiler's, fixed for a build and the same for any thread count.
struct TripleDots {
  double s, sq;
};

TripleDots triple_dots(const float* eu, const float* ep, const float* en, const float* u0, const float* p0,
                       const float* n0, int64_t d) {
  double up = 0, un = 0, uu = 0, pp = 0, nn = 0;
#pragma omp simd reduction(+ : up, un, uu, pp, nn)
  for (int64_t j = 0; j < d; ++j) {
    up += static_cast<double>(eu[j]) * ep[j];
    un += static_cast<double>(eu[j]) * en[j];
    uu += static_cast<double>(u0[j]) * u0[j];
    pp += static_cast<double>(p0[j]) * p0[j];
    nn += static_cast<double>(n0[j]) * n0[j];
  }
  return {up - un, uu + pp + nn};
}

void add_scaled(float* dst, float scale, const float* src, int64_t d) {
  for (int64_t j = 0; j < d; ++j) dst[j] += scale * src[j];
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
  std::vector<float> coef(static_cast<size_t>(batch.size));
  std::vector<double> terms(static_cast<size_t>(batch.size));
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < batch.size; ++b) {
      const int64_t u = batch.users[b], p = batch.pos[b], n = batch.neg[b];
      const TripleDots t = triple_dots(user_rep + u * d, item_rep + p * d, item_rep + n * d, user_emb0 + u * d,
                                       item_emb0 + p * d, item_emb0 + n * d, d);
      dots[static_cast<size_t>(b)] = t;
      terms[static_cast<size_t>(b)] = softplus(-t.s);
      // d softplus(-s) / ds = -sigmoid(-s)
      coef[static_cast<size_t>(b)] = static_cast<float>(-batch.weight * inv_b / (1.0 + std::exp(t.s)));
    }
    // Each thread owns the rows whose id is its number modulo the thread count and
    // applies, in batch order, the updates that land in them: every row receives its
    // additions in the same order for any thread count.
    const int64_t threads = omp_get_num_threads(), me = omp_get_thread_num();
    const auto mine = [&](int64_t row) { return row % threads == me; };
    for (int64_t b = 0; b < batch.size; ++b) {
      const int64_t u = batch.users[b], p = batch.pos[b], n = batch.neg[b];
      const bool own_u = mine(u), own_p = mine(p), own_n = mine(n);
      if (!own_u && !own_p && !own_n) continue;
      const float c = coef[static_cast<size_t>(b)];
      const float* eu = user_rep + u * d;
      if (own_u) {
        const float* ep = item_rep + p * d;
        const float* en = item_rep + n * d;
        float* gu = grad_user_rep + u * d;
        for (int64_t j = 0; j < d; ++j) gu[j] += c * (ep[j] - en[j]);
      }
      if (own_p) {
        float* gp = grad_item_rep + p * d;
        for (int64_t j = 0; j < d; ++j) gp[j] += c * eu[j];
      }
      if (own_n) {
        float* gn = grad_item_rep + n * d;
        for (int64_t j = 0; j < d; ++j) gn[j] -= c * eu[j];
      }
      if (own_u) add_scaled(grad_user_emb0 + u * d, reg_scale, user_emb0 + u * d, d);
      if (own_p) add_scaled(grad_item_emb0 + p * d, reg_scale, item_emb0 + p * d, d);
      if (own_n) add_scaled(grad_item_emb0 + n * d, reg_scale, item_emb0 + n * d, d);
    }
  }
  double sq = 0;
  for (int64_t b = 0; b < batch.size; ++b) {
    loss.bpr += terms[static_cast<size_t>(b)];
    sq += dots[static_cast<size_t>(b)].sq;
  }
  loss.bpr *= batch.weight * inv_b;
  loss.reg = reg_weight * sq * inv_b;
  return loss;
}

}  // namespace mmgraph::kernels
