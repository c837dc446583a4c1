// CPU reference of row L2 normalisation.
#include <algorithm>
#include <cmath>

#include "kernels/l2_normalize.h"

namespace mmgraph::kernels {

namespace {

double row_norm(const float* x, int64_t d) {
  double s = 0;
  for (int64_t c = 0; c < d; ++c) s += static_cast<double>(x[c]) * x[c];
  return std::sqrt(s);
}

}  // namespace

void l2_normalize_rows_forward_cpu(int64_t n, int64_t d, const float* x, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const double r = std::max(row_norm(x + i * d, d), static_cast<double>(kNormalizeEps));
    for (int64_t c = 0; c < d; ++c) y[i * d + c] = static_cast<float>(x[i * d + c] / r);
  }
}

void l2_normalize_rows_backward_cpu(int64_t n, int64_t d, const float* x, const float* y, const float* dy, float* dx) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const double norm = row_norm(x + i * d, d);
    if (norm < kNormalizeEps) {  // the denominator is the constant eps
      for (int64_t c = 0; c < d; ++c) dx[i * d + c] += static_cast<float>(dy[i * d + c] / kNormalizeEps);
      continue;
    }
    double dot = 0;
    for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(y[i * d + c]) * dy[i * d + c];
    for (int64_t c = 0; c < d; ++c)
      dx[i * d + c] += static_cast<float>((dy[i * d + c] - y[i * d + c] * dot) / norm);
  }
}

}  // namespace mmgraph::kernels
