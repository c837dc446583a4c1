#pragma once
// Random test inputs shared by the kernel tests: CSR matrices with power-law
// row lengths and empty rows, dense matrices of non-zero values. Every
// generator takes a seed so that a failure can be replayed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/spmm.h"

namespace mmgraph::testing {

// Rows get lengths drawn from a Zipf-like law (some empty, a few long), capped
// at n_cols; columns distinct and sorted per row; values uniform in [-1, 1]
// away from zero. If hub_row >= 0 that row gets hub_len non-zeros.
inline kernels::CsrHost random_csr(int64_t n_rows, int64_t n_cols, double mean_degree, uint64_t seed,
                                   int64_t hub_row = -1, int64_t hub_len = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  kernels::CsrHost a;
  a.n_rows = n_rows;
  a.n_cols = n_cols;
  a.row_ptr.assign(static_cast<size_t>(n_rows) + 1, 0);
  std::vector<int32_t> cols;
  for (int64_t r = 0; r < n_rows; ++r) {
    // Pareto tail with exponent ~1.5 scaled to the mean; 10% of rows empty.
    int64_t len = 0;
    if (unit(rng) > 0.1) len = static_cast<int64_t>(mean_degree / 3.0 * std::pow(1.0 - unit(rng), -1.0 / 1.5));
    if (r == hub_row) len = hub_len;
    len = std::min(len, n_cols);
    cols.clear();
    if (len * 2 > n_cols) {
      std::vector<int32_t> all(static_cast<size_t>(n_cols));
      for (int64_t c = 0; c < n_cols; ++c) all[c] = static_cast<int32_t>(c);
      std::shuffle(all.begin(), all.end(), rng);
      cols.assign(all.begin(), all.begin() + len);
    } else {
      std::uniform_int_distribution<int64_t> pick(0, n_cols - 1);
      while (static_cast<int64_t>(cols.size()) < len) {
        cols.push_back(static_cast<int32_t>(pick(rng)));
        if (static_cast<int64_t>(cols.size()) == len) {
          std::sort(cols.begin(), cols.end());
          cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
        }
      }
    }
    std::sort(cols.begin(), cols.end());
    for (int32_t c : cols) {
      a.col.push_back(c);
      const double mag = 0.1 + 0.9 * unit(rng);
      a.val.push_back(static_cast<float>(unit(rng) < 0.5 ? -mag : mag));
    }
    a.row_ptr[r + 1] = static_cast<int64_t>(a.col.size());
  }
  return a;
}

// Dense values uniform in +-[0.1, 1] (never zero).
inline std::vector<float> random_dense(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> mag(0.1f, 1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = sign(rng) ? mag(rng) : -mag(rng);
  return v;
}

// A fresh seed per run (printed by the tests that use it).
inline uint64_t fresh_seed() { return std::random_device{}(); }

}  // namespace mmgraph::testing
