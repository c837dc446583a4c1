#pragma once
// Counter-based random numbers shared bit for bit by the CPU and CUDA code:
// Philox4x32-10 (Salmon et al., SC'11) and a keyed Feistel permutation of [0, n)
// built on it. Everything here is a pure function of its arguments.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct Philox4 {
  uint32_t v[4];
};

MMGRAPH_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

// Philox4x32 with 10 rounds: counter c (128 bits), key k (64 bits).
MMGRAPH_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c.v[0], hi0, lo0);
    philox_mulhilo(0xCD9E8D57u, c.v[2], hi1, lo1);
    c = Philox4{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

MMGRAPH_HD uint32_t lo32(uint64_t x) { return static_cast<uint32_t>(x); }
MMGRAPH_HD uint32_t hi32(uint64_t x) { return static_cast<uint32_t>(x >> 32); }

// Uniform integer in [0, n) from 32 random bits (multiply-shift; bias < n / 2^32).
MMGRAPH_HD uint32_t uniform_below(uint32_t bits, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(bits) * n) >> 32);
}

// Uniform float in [0, 1) with 24 random bits.
MMGRAPH_HD float uniform_float(uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

// A bijection of [0, n) keyed by (seed, stream): a 4-round balanced Feistel
// network on the smallest even power-of-two domain >= n, with cycle walking
// back into [0, n). Used to shuffle the training pairs of an epoch so that the
// pair at position j is computable on its own (no sequential shuffle).
struct FeistelPermutation {
  uint64_t n = 0;
  uint32_t half_bits = 1;
  uint32_t keys[4] = {0, 0, 0, 0};

  MMGRAPH_HD static uint32_t mix(uint32_t x) {  // murmur3 finaliser
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x;
  }

  MMGRAPH_HD uint64_t encrypt(uint64_t x) const {
    const uint64_t mask = (uint64_t{1} << half_bits) - 1;
    uint64_t left = x >> half_bits, right = x & mask;
    for (int r = 0; r < 4; ++r) {
      const uint64_t f = mix(static_cast<uint32_t>(right) ^ keys[r]) & mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    return (left << half_bits) | right;
  }

  // Position j in [0, n) -> permuted index in [0, n).
  MMGRAPH_HD uint64_t operator()(uint64_t j) const {
    uint64_t x = encrypt(j);
    while (x >= n) x = encrypt(x);
    return x;
  }
};

MMGRAPH_HD FeistelPermutation make_feistel_permutation(uint64_t seed, uint64_t stream, uint64_t n) {
  FeistelPermutation p;
  p.n = n;
  uint32_t bits = 2;
  while (bits < 62 && (uint64_t{1} << bits) < n) bits += 2;
  p.half_bits = bits / 2;
  const Philox4 r = philox4x32_10(Philox4{{lo32(stream), hi32(stream), 0x7065726Du, 0}}, lo32(seed), hi32(seed));
  for (int i = 0; i < 4; ++i) p.keys[i] = r.v[i];
  return p;
}

}  // namespace mmgraph::kernels
