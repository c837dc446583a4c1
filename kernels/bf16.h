#pragma once
// bfloat16 storage: the upper 16 bits of an IEEE float32 (sign, 8 exponent bits, 7 mantissa bits),
// held as uint16_t bit patterns so that headers stay plain C++. The same host/device functions
// round on the host and widen in CUDA kernels, so both sides see the same values.
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/common.h"

namespace mmgraph::kernels {

MMGRAPH_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

MMGRAPH_HD float float_from_bits(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// float32 -> bf16, round to nearest, ties to even (on the bit pattern, which is also right for
// subnormals and rounds the largest finite values up to infinity as IEEE does). A NaN stays a NaN
// of the same sign (quiet bit set, so that truncating its payload cannot make it an infinity).
MMGRAPH_HD uint16_t float_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// bf16 -> float32, exact.
MMGRAPH_HD float bf16_to_float(uint16_t b) { return float_from_bits(static_cast<uint32_t>(b) << 16); }

// Host copies (plain pointers and vectors: CUDA sources include this header as C++17): every value
// rounded to bf16, or every bf16 value widened.
inline std::vector<uint16_t> bf16_rounded(const float* values, size_t n) {
  std::vector<uint16_t> bits(n);
  for (size_t e = 0; e < n; ++e) bits[e] = float_to_bf16(values[e]);
  return bits;
}
inline std::vector<uint16_t> bf16_rounded(const std::vector<float>& values) {
  return bf16_rounded(values.data(), values.size());
}
inline std::vector<float> bf16_widened(const std::vector<uint16_t>& bits) {
  std::vector<float> values(bits.size());
  for (size_t e = 0; e < values.size(); ++e) values[e] = bf16_to_float(bits[e]);
  return values;
}

}  // namespace mmgraph::kernels
