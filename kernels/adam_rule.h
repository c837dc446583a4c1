#pragma once
// The per-element Adam update shared by adam_cpu.cpp and adam.cu, so that both
// backends perform the same operations in the same order.
#include <math.h>

#include <cmath>

#include "kernels/adam.h"
#include "kernels/common.h"

namespace mmgraph::kernels {

// Step-dependent constants, computed once per step on the host in double.
struct AdamScalars {
  float lr_t;          // lr / (1 - beta1^t)
  float b1, b2, eps;
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^t)
};

inline AdamScalars adam_scalars(const AdamParams& p) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(p.beta1), static_cast<double>(p.step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(p.beta2), static_cast<double>(p.step));
  return AdamScalars{static_cast<float>(p.lr / bc1), p.beta1, p.beta2, p.eps,
                     static_cast<float>(1.0 / std::sqrt(bc2))};
}

MMGRAPH_HD void adam_element(const AdamScalars& s, float& param, float grad, float& m, float& v) {
  m = s.b1 * m + (1.0f - s.b1) * grad;
  v = s.b2 * v + (1.0f - s.b2) * grad * grad;
  param -= s.lr_t * m / (sqrtf(v) * s.inv_sqrt_bc2 + s.eps);
}

}  // namespace mmgraph::kernels
