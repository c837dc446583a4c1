#pragma once
// Dense random inputs for the benchmarks (values in [-1, 1], never all zero).
#include <cstdint>
#include <random>
#include <vector>

namespace mmgraph::bench {

inline std::vector<float> random_values(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

}  // namespace mmgraph::bench
