#pragma once
// Checks shared by the kNN tests (CPU vs float64, GPU vs CPU): feature matrices with power-law row
// norms, duplicated rows and zero rows; float64 cosines (or, for the bf16 ops, float64 dot products
// of the bf16-rounded normalised rows) and top-k lists; and one comparison of a kNN output against
// reference lists that tolerates near-ties only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/bf16.h"

namespace mmgraph::testing {

// Features [n x dim]: values uniform in [-1, 1], row norms spread over six decades (power-law-ish),
// some rows exact copies of earlier rows or copies times 4 (cosine 1 with them, and bit-identical once
// normalised: exact ties), and row zero_row (if in range) zero.
inline std::vector<float> knn_features(int64_t n, int64_t dim, uint64_t seed, int64_t zero_row) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::uniform_real_distribution<double> decade(-3.0, 3.0);
  std::vector<float> f(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    float* row = f.data() + i * dim;
    if (i > 0 && rng() % 8 == 0) {
      const float* src = f.data() + static_cast<int64_t>(rng() % i) * dim;
      const float scale = rng() % 2 == 0 ? 1.0f : 4.0f;
      for (int64_t j = 0; j < dim; ++j) row[j] = scale * src[j];
      continue;
    }
    const auto scale = static_cast<float>(std::pow(10.0, decade(rng)));
    for (int64_t j = 0; j < dim; ++j) row[j] = scale * value(rng);
  }
  if (zero_row >= 0 && zero_row < n) std::fill_n(f.data() + zero_row * dim, dim, 0.0f);
  return f;
}

// Rows of +-1 over 16 dimensions (norm 4), drawn from a few patterns so that many rows coincide,
// plus zero rows: normalised entries are +-1/4 and every cosine is a multiple of 1/16, exact in
// float whatever the summation order: an output must then equal the float64 order exactly,
// including which of the tied rows come first (the lower ids).
inline std::vector<float> knn_exact_features(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> patterns(40);
  for (auto& p : patterns) p = static_cast<uint32_t>(rng());
  std::vector<float> f(n * 16);
  for (int64_t i = 0; i < n; ++i) {
    if (rng() % 50 == 0) continue;  // zero row
    const uint32_t p = patterns[rng() % patterns.size()];
    for (int j = 0; j < 16; ++j) f[i * 16 + j] = (p >> j) & 1 ? 1.0f : -1.0f;
  }
  return f;
}

// float64 cosine of rows i and j; 0 when either row is zero.
inline double cosine64(const std::vector<float>& f, int64_t dim, int64_t i, int64_t j) {
  double dot = 0, ni = 0, nj = 0;
  for (int64_t t = 0; t < dim; ++t) {
    const double a = f[i * dim + t], b = f[j * dim + t];
    dot += a * b;
    ni += a * a;
    nj += b * b;
  }
  return ni > 0 && nj > 0 ? dot / (std::sqrt(ni) * std::sqrt(nj)) : 0.0;
}

// float64 dot product of rows i and j.
inline double dot64(const std::vector<float>& f, int64_t dim, int64_t i, int64_t j) {
  double dot = 0;
  for (int64_t t = 0; t < dim; ++t) dot += static_cast<double>(f[i * dim + t]) * f[j * dim + t];
  return dot;
}

// What a kNN output's similarities are: cosines of the rows given (the float ops), or dot products
// of the rows given (the bf16 ops, checked on their bf16-rounded normalised rows).
enum class KnnSimilarity { kCosine, kDot };

inline double similarity64(KnnSimilarity s, const std::vector<float>& f, int64_t dim, int64_t i, int64_t j) {
  return s == KnnSimilarity::kCosine ? cosine64(f, dim, i, j) : dot64(f, dim, i, j);
}

// The rows the bf16 kNN ops multiply, widened to float: each bf16 row [n x dim] widened, divided by
// its norm (summed in float64), rounded to float and then to bf16; a zero row stays zero.
inline std::vector<float> knn_bf16_normalized_rows(int64_t n, int64_t dim, const std::vector<uint16_t>& bits) {
  std::vector<float> g(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t t = 0; t < dim; ++t) s += std::pow(static_cast<double>(kernels::bf16_to_float(bits[i * dim + t])), 2);
    const double inv = s > 0 ? 1 / std::sqrt(s) : 0;
    for (int64_t t = 0; t < dim; ++t) {
      const auto v = static_cast<float>(kernels::bf16_to_float(bits[i * dim + t]) * inv);
      g[i * dim + t] = kernels::bf16_to_float(kernels::float_to_bf16(v));
    }
  }
  return g;
}

// Reference top-`keep` lists in float64 (keep <= n): cosine descending, ties by the lower id.
struct KnnReference {
  int keep = 0;
  std::vector<int32_t> idx;  // [n x keep]
  std::vector<double> sim;   // [n x keep]
};

inline KnnReference knn_reference64(int64_t n, int64_t dim, const std::vector<float>& f, int keep,
                                    KnnSimilarity measure = KnnSimilarity::kCosine) {
  KnnReference ref;
  ref.keep = keep;
  ref.idx.resize(static_cast<size_t>(n * keep));
  ref.sim.resize(static_cast<size_t>(n * keep));
  std::vector<double> cos(static_cast<size_t>(n));
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) cos[j] = similarity64(measure, f, dim, i, j);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                      [&](int32_t a, int32_t b) { return cos[a] > cos[b] || (cos[a] == cos[b] && a < b); });
    for (int r = 0; r < keep; ++r) {
      ref.idx[i * keep + r] = order[r];
      ref.sim[i * keep + r] = cos[order[r]];
    }
  }
  return ref;
}

// Compares a kNN output [n x k] with reference lists (ref.keep >= k entries per row, of the same
// measure). `tol` bounds the difference between the two sides' cosines of one pair. Per row: ids in range and distinct;
// cosines non-increasing, equal cosines by increasing id; the cosine at each rank within tol of the
// reference's; each returned cosine within tol of the pair's float64 cosine; and the id at a rank
// equal to the reference's wherever the reference cosine there is more than 2 tol away from its
// neighbours in the reference list (ids may differ only among near-ties). The last of the
// reference's ranks is compared only when it is row's last candidate (keep == n).
inline ::testing::AssertionResult knn_matches(int64_t n, int64_t dim, const std::vector<float>& f, int k,
                                              const std::vector<int32_t>& idx, const std::vector<float>& sim,
                                              const KnnReference& ref, double tol,
                                              KnnSimilarity measure = KnnSimilarity::kCosine) {
  std::ostringstream bad;
  int64_t failures = 0;
  auto fail = [&](int64_t i, int r, const std::string& what) {
    if (failures++ < 5) bad << "\n  row " << i << " rank " << r << ": " << what;
  };
  std::vector<int32_t> seen;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t* id = idx.data() + i * k;
    const float* s = sim.data() + i * k;
    const int32_t* rid = ref.idx.data() + i * ref.keep;
    const double* rs = ref.sim.data() + i * ref.keep;
    seen.assign(id, id + k);
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) fail(i, 0, "an id appears twice");
    for (int r = 0; r < k; ++r) {
      if (id[r] < 0 || id[r] >= n) {
        fail(i, r, "id " + std::to_string(id[r]) + " out of range");
        continue;
      }
      if (!std::isfinite(s[r])) fail(i, r, "cosine not finite");
      if (r > 0 && (s[r] > s[r - 1] || (s[r] == s[r - 1] && id[r] < id[r - 1])))
        fail(i, r, "out of order after (" + std::to_string(s[r - 1]) + ", " + std::to_string(id[r - 1]) + ")");
      if (std::fabs(s[r] - rs[r]) > tol)
        fail(i, r, "cosine " + std::to_string(s[r]) + " vs reference " + std::to_string(rs[r]));
      const double truth = similarity64(measure, f, dim, i, id[r]);
      if (std::fabs(s[r] - truth) > tol)
        fail(i, r, "cosine " + std::to_string(s[r]) + " of id " + std::to_string(id[r]) + " vs float64 " +
                       std::to_string(truth));
      const bool apart_above = r == 0 || rs[r - 1] - rs[r] > 2 * tol;
      const bool apart_below = r + 1 < ref.keep ? rs[r] - rs[r + 1] > 2 * tol : ref.keep == n;
      if (apart_above && apart_below && id[r] != rid[r])
        fail(i, r, "id " + std::to_string(id[r]) + " vs reference " + std::to_string(rid[r]));
    }
  }
  if (failures == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << failures << " mismatches" << bad.str();
}

// The error bound of an FP32 cosine of two normalised rows of `dim` floats, summed in any order:
// |fl(x.y) - x.y| <= dim u |x||y| with |x| = |y| = 1 (u = 2^-24; Higham, gamma_dim), plus 2 u from the
// normalisation; doubled for margin.
inline double knn_fp32_tolerance(int64_t dim) { return 2.0 * (static_cast<double>(dim) + 2.0) * 0x1p-24; }

// The bf16 ops against float64 dot products of their bf16-rounded normalised rows: the products of
// bf16 values are exact in FP32, so only the FP32 sums err, by at most dim u |x||y| with the rounded
// rows' norms at most 1 + 2^-8 each (margin included in knn_fp32_tolerance's doubling).
inline double knn_bf16_gemm_tolerance(int64_t dim) { return knn_fp32_tolerance(dim) * (1 + 0x1p-7); }

// The bf16 ops against float64 cosines of the features themselves: the GEMM's bound plus the rounding
// of the normalised rows to bf16 (u = 2^-8), which moves x.y by at most (2u + u^2) |x||y|.
inline double knn_bf16_tolerance(int64_t dim) { return knn_bf16_gemm_tolerance(dim) + 0x1p-7 + 0x1p-16; }

}  // namespace mmgraph::testing
