// CPU reference of the fused InfoNCE loss: normalised rows, logits and the two
// gradient products by cblas_sgemm, the row-wise log-sum-exp summed in float64.
#include "kernels/infonce.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/loss_math.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

namespace {

constexpr double kNormEps = 1e-12;

// hat[r] = x[r] / max(|x[r]|, eps); norm[r] = max(|x[r]|, eps).
void normalize_rows(int64_t n, int64_t d, const float* x, float* hat, double* norm) {
  for (int64_t r = 0; r < n; ++r) {
    norm[r] = std::max(std::sqrt(dot64(x + r * d, x + r * d, d)), kNormEps);
    for (int64_t j = 0; j < d; ++j) hat[r * d + j] = static_cast<float>(x[r * d + j] / norm[r]);
  }
}

// grad[r] += (g[r] - hat[r] <hat[r], g[r]>) / norm[r], or g[r] / eps for a clamped row.
void normalize_rows_backward(int64_t n, int64_t d, const float* hat, const double* norm, const float* g,
                             float* grad) {
  for (int64_t r = 0; r < n; ++r) {
    const double along = norm[r] > kNormEps ? dot64(hat + r * d, g + r * d, d) : 0.0;
    for (int64_t j = 0; j < d; ++j)
      grad[r * d + j] += static_cast<float>((g[r * d + j] - hat[r * d + j] * along) / norm[r]);
  }
}

}  // namespace

double infonce_loss_fused_cpu(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts,
                              int64_t total, float temperature, float weight, float* grad_a, float* grad_b) {
  if (b == 0) return 0;
  if (d < 1) throw Error("infonce_loss_fused_cpu: d = " + std::to_string(d) + ", must be >= 1");
  if (counts == nullptr) total = b;
  if (total < 1) throw Error("infonce_loss_fused_cpu: total = " + std::to_string(total) + ", must be >= 1");
  const auto n = static_cast<size_t>(b), nd = n * static_cast<size_t>(d);
  std::vector<float> a_hat(nd), b_hat(nd), logits(n * n), g_a(nd), g_b(nd);
  std::vector<double> a_norm(n), b_norm(n);
  normalize_rows(b, d, a, a_hat.data(), a_norm.data());
  normalize_rows(b, d, bv, b_hat.data(), b_norm.data());
  const int bi = static_cast<int>(b), di = static_cast<int>(d);
  const float inv_t = 1.0f / temperature;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi, bi, di, inv_t, a_hat.data(), di, b_hat.data(), di, 0.0f,
              logits.data(), bi);
  // Row k: loss term n_k (lse_k - c_kk); the logits become G in place. One float exp per logit
  // (exp(c - max) in (0, 1], relative error ~1 ulp), sums in float64; rows in parallel, their
  // terms added in row order afterwards, so the result does not depend on the thread count.
  // Columns of multiplicity 0 take no part (their exp is weighted 0, the max skips them).
  const double scale = weight / static_cast<double>(total);
  auto count = [counts](int64_t j) { return counts ? static_cast<double>(counts[j]) : 1.0; };
  std::vector<double> row_loss(n);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < b; ++k) {
    float* c = logits.data() + k * b;
    const double n_k = count(k);
    if (n_k == 0) {
      std::fill(c, c + b, 0.0f);
      continue;
    }
    float m = -INFINITY;
    for (int64_t j = 0; j < b; ++j)
      if (count(j) != 0) m = std::max(m, c[j]);
    const float c_kk = c[k];
    double sum = 0;
    for (int64_t j = 0; j < b; ++j) {
      c[j] = std::exp(c[j] - m);
      sum += count(j) * c[j];
    }
    row_loss[static_cast<size_t>(k)] = n_k * (static_cast<double>(m) + std::log(sum) - static_cast<double>(c_kk));
    const double p_scale = scale * n_k / sum;
    for (int64_t j = 0; j < b; ++j) c[j] = static_cast<float>(p_scale * count(j) * c[j]);
    c[k] = static_cast<float>(static_cast<double>(c[k]) - scale * n_k);
  }
  double loss = 0;
  for (double t : row_loss) loss += t;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi, di, bi, inv_t, logits.data(), bi, b_hat.data(), di, 0.0f,
              g_a.data(), di);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bi, di, bi, inv_t, logits.data(), bi, a_hat.data(), di, 0.0f,
              g_b.data(), di);
  normalize_rows_backward(b, d, a_hat.data(), a_norm.data(), g_a.data(), grad_a);
  normalize_rows_backward(b, d, b_hat.data(), b_norm.data(), g_b.data(), grad_b);
  return loss * scale;
}

}  // namespace mmgraph::kernels
