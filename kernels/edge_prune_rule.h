#pragma once
// The per-edge key of FREEDOM's degree-sensitive pruning (edge_prune.h), shared by
// edge_prune_cpu.cpp and edge_prune.cu so that both compute every key bit for bit.
// The host's std::log and CUDA's log may differ in the last bit, so the key takes
// its logarithm from prune_log below, built from operations that IEEE 754 rounds
// exactly (+, -, *, /, sqrt, fma) and with no product left for a compiler to fuse
// into an addition (GCC contracts a * b + c on the host under -march=native, nvcc
// on the device).
#include <math.h>

#include <cstdint>

#include "kernels/common.h"
#include "kernels/philox.h"

namespace mmgraph::kernels {

namespace prune_detail {

// hi + lo, |lo| <= ulp(hi) / 2.
struct DoubleDouble {
  double hi, lo;
};

// a * b rounded once and never fused with a later addition.
MMGRAPH_HD double mul_unfused(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return fma(a, b, -0.0);  // a * b + (-0) == a * b, zeros' signs included
#endif
}

// a + b exactly (Knuth's TwoSum).
MMGRAPH_HD DoubleDouble two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

MMGRAPH_HD DoubleDouble dd_add(DoubleDouble a, DoubleDouble b) {
  const DoubleDouble s = two_sum(a.hi, b.hi);
  return two_sum(s.hi, s.lo + (a.lo + b.lo));
}

MMGRAPH_HD DoubleDouble dd_mul(DoubleDouble a, DoubleDouble b) {
  const double p = mul_unfused(a.hi, b.hi);
  const double e = fma(a.hi, b.hi, -p);  // the exact error of p
  return two_sum(p, fma(a.hi, b.lo, fma(a.lo, b.hi, e)));
}

}  // namespace prune_detail

// log(x) for finite x > 0, evaluated in double-double (about 2^-95 relative error)
// and rounded to double: with x = f 2^e, f in [sqrt(1/2), sqrt(2)),
// log x = e log 2 + 2 atanh(s), s = (f - 1) / (f + 1), |s| < 0.1716, by the atanh
// series 2 s (1 + s^2/3 + s^4/5 + ...) to s^38 (s^2 < 2^-5.08: the rest is below
// 2^-100); the terms to s^8/9 in double-double, the smaller ones in double.
// On all 2^32 uniforms (r + 1) / 2^32 of prune_key it is within 1 ulp of glibc's
// log and equal to it on all but 3,479,291 (8e-4 of them), where it equals the
// quad-precision logq rounded and glibc's is the misrounded one (checked exhaustively).
MMGRAPH_HD double prune_log(double x) {
  using prune_detail::DoubleDouble;
  using prune_detail::dd_add;
  using prune_detail::dd_mul;
  int e = 0;
  double f = frexp(x, &e);  // x = f 2^e, f in [1/2, 1)
  if (f < 0.70710678118654752440) {
    f = 2.0 * f;
    --e;
  }
  const double num = f - 1.0;  // exact (Sterbenz)
  const DoubleDouble den = prune_detail::two_sum(f, 1.0);
  const double s_hi = num / den.hi;
  const DoubleDouble s{s_hi, fma(-s_hi, den.lo, fma(-s_hi, den.hi, num)) / den.hi};
  const DoubleDouble s2 = dd_mul(s, s);
  const double t = s2.hi;
  // sum over k = 5 .. 19 of t^(k-5) / (2k + 1), by Horner from k = 19
  constexpr double kTail[] = {1.0 / 37, 1.0 / 35, 1.0 / 33, 1.0 / 31, 1.0 / 29, 1.0 / 27, 1.0 / 25,
                              1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11};
  double tail = 1.0 / 39;
  for (double c : kTail) tail = fma(tail, t, c);
  constexpr DoubleDouble kInv9{0x1.c71c71c71c71cp-4, 0x1.c71c71c71c71cp-58};
  constexpr DoubleDouble kInv7{0x1.2492492492492p-3, 0x1.2492492492492p-57};
  constexpr DoubleDouble kInv5{0x1.999999999999ap-3, -0x1.999999999999ap-57};
  constexpr DoubleDouble kInv3{0x1.5555555555555p-2, 0x1.5555555555555p-56};
  constexpr DoubleDouble kLn2{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};
  DoubleDouble y = dd_add(kInv9, dd_mul(s2, DoubleDouble{tail, 0.0}));
  y = dd_add(kInv7, dd_mul(s2, y));
  y = dd_add(kInv5, dd_mul(s2, y));
  y = dd_add(kInv3, dd_mul(s2, y));
  y = dd_add(DoubleDouble{1.0, 0.0}, dd_mul(s2, y));
  const DoubleDouble log_f = dd_mul(DoubleDouble{2.0 * s.hi, 2.0 * s.lo}, y);
  return dd_add(dd_mul(DoubleDouble{static_cast<double>(e), 0.0}, kLn2), log_f).hi;
}

// The Efraimidis-Spirakis key of training edge k (user degree du, item degree di
// in the full training graph) for (seed, epoch): log(U) sqrt(du di), U = (r + 1) / 2^32
// in (0, 1] from Philox counter (k, epoch, "prue") under key (seed ^ "edge" in the high
// word). Keys are <= 0, never -0 or NaN; the larger keys are kept.
MMGRAPH_HD double prune_key(uint64_t seed, uint64_t epoch, int64_t k, int64_t du, int64_t di) {
  const Philox4 r = philox4x32_10(
      Philox4{{lo32(static_cast<uint64_t>(k)), hi32(static_cast<uint64_t>(k)), lo32(epoch), 0x70727565u}},
      lo32(seed), hi32(seed) ^ 0x65646765u);
  const double uniform = (static_cast<double>(r.v[0]) + 1.0) / 4294967296.0;  // exact
  return prune_log(uniform) * sqrt(static_cast<double>(du) * static_cast<double>(di));
}

}  // namespace mmgraph::kernels
