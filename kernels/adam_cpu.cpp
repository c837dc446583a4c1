// CPU reference of Adam, dense and lazy-rows, with torch.optim.Adam's formula.
#include <cmath>

#include "kernels/adam.h"

namespace mmgraph::kernels {

namespace {

struct AdamScalars {
  float lr_t, b1, b2, eps, wd;
  float inv_sqrt_bc2;
};

AdamScalars adam_scalars(const AdamParams& p) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(p.beta1), static_cast<double>(p.step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(p.beta2), static_cast<double>(p.step));
  return AdamScalars{static_cast<float>(p.lr / bc1), p.beta1, p.beta2, p.eps, p.weight_decay,
                     static_cast<float>(1.0 / std::sqrt(bc2))};
}

inline void adam_element(const AdamScalars& s, float& param, float grad, float& m, float& v) {
  const float g = grad + s.wd * param;
  m = s.b1 * m + (1.0f - s.b1) * g;
  v = s.b2 * v + (1.0f - s.b2) * g * g;
  param -= s.lr_t * m / (std::sqrt(v) * s.inv_sqrt_bc2 + s.eps);
}

}  // namespace

void adam_dense_cpu(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                    float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for simd schedule(static)
  for (int64_t e = 0; e < n; ++e) adam_element(s, param[e], grad[e], m[e], v[e]);
}

void adam_rows_cpu(int64_t n_rows, const int32_t* rows, int64_t d, const AdamParams& p,
                   float* param, const float* grad, float* m, float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < n_rows; ++k) {
    const int64_t base = static_cast<int64_t>(rows[k]) * d;
    for (int64_t j = 0; j < d; ++j)
      adam_element(s, param[base + j], grad[base + j], m[base + j], v[base + j]);
  }
}

}  // namespace mmgraph::kernels
