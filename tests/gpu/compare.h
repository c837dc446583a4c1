#pragma once
// The one comparison helper of the GPU-vs-CPU tests:
//   |gpu - ref| <= atol + rtol * m,   m = |ref|, or a caller-given magnitude
// (e.g. sum |a_rk x_kj| for a sparse product, whose float result can differ from
// the reference by ~sqrt(terms) eps of that sum, whatever |ref| is after
// cancellation). Non-finite GPU values always fail (outputs are poisoned with
// NaN before a run, so an element a kernel forgot fails here). On failure it
// reports the count and the first five mismatches; tests add seed and sizes
// with SCOPED_TRACE.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace mmgraph::testing {

inline ::testing::AssertionResult all_close(const std::vector<float>& gpu, const std::vector<float>& ref, double atol,
                                            double rtol, const std::string& what,
                                            const std::vector<float>* magnitude = nullptr) {
  if (gpu.size() != ref.size())
    return ::testing::AssertionFailure() << what << ": size " << gpu.size() << " vs " << ref.size();
  std::ostringstream bad;
  size_t mismatches = 0;
  for (size_t e = 0; e < ref.size(); ++e) {
    const double m = magnitude ? std::fabs((*magnitude)[e]) : std::fabs(ref[e]);
    const double tol = atol + rtol * m;
    if (!std::isfinite(gpu[e]) || std::fabs(static_cast<double>(gpu[e]) - ref[e]) > tol) {
      if (mismatches < 5) bad << "\n  [" << e << "] gpu " << gpu[e] << " ref " << ref[e] << " tol " << tol;
      ++mismatches;
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << mismatches << " of " << ref.size() << " elements differ"
                                       << bad.str();
}

// Bit-for-bit equality (determinism checks), reporting the first difference.
template <typename T>
::testing::AssertionResult bit_identical(const std::vector<T>& a, const std::vector<T>& b, const std::string& what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": size " << a.size() << " vs " << b.size();
  for (size_t e = 0; e < a.size(); ++e)
    if (std::memcmp(&a[e], &b[e], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << what << ": first difference at " << e << " (" << a[e] << " vs " << b[e]
                                           << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace mmgraph::testing
