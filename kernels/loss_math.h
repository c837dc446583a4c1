#pragma once
// Scalar math shared by the loss ops: float64 helpers of the CPU references and
// WARP's rank weight, which the CPU and CUDA twins evaluate with the same code.
#include <cmath>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

inline double dot64(const float* a, const float* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

// log(1 + e^x), stable for large |x|.
inline double softplus64(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// Harmonic number H_r = sum_{k=1..r} 1/k: the sum itself up to r = 32, beyond it the
// asymptotic series ln r + gamma + 1/(2r) - 1/(12r^2) + 1/(120r^4), whose error
// (< 1/(252 r^6) < 1e-11) is far below float precision.
MMGRAPH_HD double harmonic_number(int64_t r) {
  if (r <= 32) {
    double h = 0;
    for (int64_t k = r; k >= 1; --k) h += 1.0 / static_cast<double>(k);
    return h;
  }
  const double x = static_cast<double>(r), inv2 = 1.0 / (x * x);
  return log(x) + 0.57721566490153286061 + 0.5 / x - inv2 / 12.0 + inv2 * inv2 / 120.0;
}

// WARP's weight L(r) for a violator found at trial t (1-based) among n_items items:
// the rank estimate r = floor((n_items - 1) / t), L(r) = H_r (0 when r = 0).
MMGRAPH_HD double warp_rank_weight(int64_t n_items, int64_t t) { return harmonic_number((n_items - 1) / t); }

}  // namespace mmgraph::kernels
