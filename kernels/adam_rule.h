#pragma once
// The per-element Adam update shared by adam_cpu.cpp and adam.cu, so that both
// backends perform the same operations in the same order.
#include <math.h>

#include <cmath>

#include "kernels/adam.h"
#include "kernels/bf16.h"
#include "kernels/common.h"
#include "kernels/philox.h"

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

// float32 -> bf16 rounded stochastically with 16 random bits r: r added below the kept bits, then
// truncated, so that f rounds away from zero with probability (its distance from the truncated
// value) / (one bf16 step), and the expected result is f. Infinities and NaNs round to nearest.
MMGRAPH_HD uint16_t float_to_bf16_stochastic(float f, uint32_t r) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7f800000u) == 0x7f800000u) return float_to_bf16(f);
  return static_cast<uint16_t>((u + (r & 0xffffu)) >> 16);
}

// Element e's update with bf16 storage (adam_bf16_cpu / adam_bf16_cuda): one Philox draw gives the
// rounding bits of param, m and v.
MMGRAPH_HD void adam_bf16_element(const AdamScalars& s, uint64_t seed, uint64_t step, uint64_t e, uint16_t& param,
                                  float grad, uint16_t& m, uint16_t& v) {
  float p = bf16_to_float(param), mm = bf16_to_float(m), vv = bf16_to_float(v);
  adam_element(s, p, grad, mm, vv);
  const Philox4 r = philox4x32_10(Philox4{{lo32(e), hi32(e), lo32(step), hi32(step)}}, lo32(seed), hi32(seed));
  param = float_to_bf16_stochastic(p, r.v[0]);
  m = float_to_bf16_stochastic(mm, r.v[1]);
  v = float_to_bf16_stochastic(vv, r.v[2]);
}

}  // namespace mmgraph::kernels
