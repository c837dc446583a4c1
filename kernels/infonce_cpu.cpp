// CPU reference of the fused InfoNCE loss: normalised rows, logits and the two
// gradient products by cblas_sgemm, the row-wise log-sum-exp summed in float64.
#include "kernels/infonce.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/loss_math.h"
#include "kernels/vector_math.h"
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
                              int64_t total, float temperature, float weight, float* grad_a, float* grad_b,
                              InfonceCpuScratch* scratch) {
  if (b == 0) return 0;
  if (d < 1) throw Error("infonce_loss_fused_cpu: d = " + std::to_string(d) + ", must be >= 1");
  if (counts == nullptr) total = b;
  if (total < 1) throw Error("infonce_loss_fused_cpu: total = " + std::to_string(total) + ", must be >= 1");
  const auto n = static_cast<size_t>(b), nd = n * static_cast<size_t>(d);
  // A step calls this with the same sizes every time: the device keeps the scratch (a fresh
  // B x B logits vector per call cost its zeroing and the kernel's page faults).
  InfonceCpuScratch local;
  InfonceCpuScratch& work = scratch ? *scratch : local;
  if (work.floats.size() < n * n + 4 * nd + n) work.floats.resize(n * n + 4 * nd + n);
  if (work.doubles.size() < 3 * n) work.doubles.resize(3 * n);
  float* logits = work.floats.data();
  float* a_hat = logits + n * n;
  float* b_hat = a_hat + nd;
  float* g_a = b_hat + nd;
  float* g_b = g_a + nd;
  float* weights = g_b + nd;  // column multiplicities n_j
  double* a_norm = work.doubles.data();
  double* b_norm = a_norm + n;
  double* row_loss = b_norm + n;
  for (int64_t j = 0; j < b; ++j) weights[j] = counts ? static_cast<float>(counts[j]) : 1.0f;
  normalize_rows(b, d, a, a_hat, a_norm);
  normalize_rows(b, d, bv, b_hat, b_norm);
  const int bi = static_cast<int>(b), di = static_cast<int>(d);
  const float inv_t = 1.0f / temperature;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi, bi, di, inv_t, a_hat, di, b_hat, di, 0.0f, logits, bi);
  // Row k: loss term n_k (lse_k - c_kk); the logits become G in place. One float exp per logit
  // (exp(c - max) in (0, 1]; libmvec's vector expf when present, within 4 ulp), sums in float64
  // (vector partial sums); rows in parallel, their terms added in row order afterwards, so the
  // result does not depend on the thread count. Columns of multiplicity 0 take no part (weighted 0, the max skips them).
  const double scale = weight / static_cast<double>(total);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < b; ++k) {
    float* c = logits + k * b;
    const double n_k = weights[k];
    if (n_k == 0) {
      std::fill(c, c + b, 0.0f);
      row_loss[k] = 0;
      continue;
    }
    // A column of multiplicity 0 (a padded row) can exceed the row's maximum by 2 / t, where its
    // exp would overflow and 0 * inf poison the sum: its logit becomes -inf, whose exp is 0.
    if (counts)
      for (int64_t j = 0; j < b; ++j)
        if (weights[j] == 0) c[j] = -INFINITY;
    float m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int64_t j = 0; j < b; ++j) m = std::max(m, weights[j] != 0 ? c[j] : -INFINITY);
    const float c_kk = c[k];
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < b; ++j) {
      c[j] = expf(c[j] - m);
      sum += static_cast<double>(weights[j]) * c[j];
    }
    row_loss[k] = n_k * (static_cast<double>(m) + std::log(sum) - static_cast<double>(c_kk));
    const double p_scale = scale * n_k / sum;
#pragma omp simd
    for (int64_t j = 0; j < b; ++j) c[j] = static_cast<float>(p_scale * weights[j] * c[j]);
    c[k] = static_cast<float>(static_cast<double>(c[k]) - scale * n_k);
  }
  double loss = 0;
  for (int64_t k = 0; k < b; ++k) loss += row_loss[k];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bi, di, bi, inv_t, logits, bi, b_hat, di, 0.0f,
              g_a, di);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bi, di, bi, inv_t, logits, bi, a_hat, di, 0.0f,
              g_b, di);
  normalize_rows_backward(b, d, a_hat, a_norm, g_a, grad_a);
  normalize_rows_backward(b, d, b_hat, b_norm, g_b, grad_b);
  return loss * scale;
}

}  // namespace mmgraph::kernels
