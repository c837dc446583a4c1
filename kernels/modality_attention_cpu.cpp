// CPU reference of modality-aware attention: the projection by the dense
// layer's reference (CBLAS), then per row a softmax over the m views.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "kernels/linear.h"
#include "kernels/modality_attention.h"
#include "kernels/vector_math.h"

namespace mmgraph::kernels {

void modality_attention_forward_cpu(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p,
                                    const float* q, float* t, float* a, float* z) {
  if (m < 1 || m > kMaxModalities) throw std::invalid_argument("modality_attention: m out of range");
  const int64_t nd = n * d;
  linear_forward_cpu(m * n, d, d, h, P, p, t);
#pragma omp parallel for simd schedule(static)
  for (int64_t e = 0; e < m * nd; ++e) t[e] = tanhf(t[e]);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    double s[kMaxModalities], top = -INFINITY, total = 0;
    for (int j = 0; j < m; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(q[c]) * t[j * nd + i * d + c];
      s[j] = dot;
      top = std::max(top, dot);
    }
    for (int j = 0; j < m; ++j) total += (s[j] = std::exp(s[j] - top));
    for (int j = 0; j < m; ++j) a[i * m + j] = static_cast<float>(s[j] / total);
    for (int64_t c = 0; c < d; ++c) {
      double acc = 0;
      for (int j = 0; j < m; ++j) acc += static_cast<double>(a[i * m + j]) * h[j * nd + i * d + c];
      z[i * d + c] = static_cast<float>(acc);
    }
  }
}

void modality_attention_backward_cpu(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q,
                                     const float* t, const float* a, const float* dz, float* dh, float* dP,
                                     float* dp, float* dq, float* work) {
  if (m < 1 || m > kMaxModalities) throw std::invalid_argument("modality_attention: m out of range");
  const int64_t nd = n * d;
  // Per row: da_j = dz . h_j, ds_j = a_j (da_j - sum_k a_k da_k), dh_j += a_j dz,
  // and the pre-activation gradient work_j = ds_j q (1 - t_j^2).
  std::vector<double> ds(static_cast<size_t>(n * m));  // kept in double here; work's tail is the CUDA twin's
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    double da[kMaxModalities], mean = 0;
    for (int j = 0; j < m; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(dz[i * d + c]) * h[j * nd + i * d + c];
      da[j] = dot;
      mean += a[i * m + j] * dot;
    }
    for (int j = 0; j < m; ++j) {
      const float aj = a[i * m + j];
      const double dsj = aj * (da[j] - mean);
      ds[static_cast<size_t>(i * m + j)] = dsj;
      const int64_t row = j * nd + i * d;
      for (int64_t c = 0; c < d; ++c) {
        dh[row + c] += aj * dz[i * d + c];
        const float tc = t[row + c];
        work[row + c] = static_cast<float>(dsj * q[c] * (1.0f - tc * tc));
      }
    }
  }
  // dq[c] += sum_{i,j} ds_ij t_j[i][c]: one pass over the rows in order (contiguous
  // reads, the same sum for any thread count).
  std::vector<double> dq_acc(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) {
      const double dsj = ds[static_cast<size_t>(i * m + j)];
      const float* row = t + j * nd + i * d;
      for (int64_t c = 0; c < d; ++c) dq_acc[static_cast<size_t>(c)] += dsj * row[c];
    }
  for (int64_t c = 0; c < d; ++c) dq[c] += static_cast<float>(dq_acc[static_cast<size_t>(c)]);
  // pre = h P + p over all m n rows: dh += work P^T, dP += h^T work, dp += column sums of work.
  linear_backward_cpu(m * n, d, d, h, P, work, dh, dP, dp);
}

}  // namespace mmgraph::kernels
