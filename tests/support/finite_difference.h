#pragma once
// Gradient checks by central finite differences: (f(param + h e_e) - f(param - h e_e)) / 2h
// against grad[e]. A check counts only where the gradient is clearly non-zero: an entry
// within a check's absolute tolerance of zero would pass against a difference of zero
// as well, so a dropped gradient term could hide among such entries. Each check below
// therefore fails when fewer than kMinNonzeroEntries entries (half the entries, rounded up,
// of a tensor of fewer than 8) exceed that tolerance, or the tensor is empty: a test whose
// setup gives such a gradient is degenerate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace mmgraph::testing {

inline constexpr size_t kMinNonzeroEntries = 4;

// The entries of grad whose magnitude exceeds floor.
inline std::vector<size_t> entries_above(const std::vector<float>& grad, double floor) {
  std::vector<size_t> above;
  for (size_t e = 0; e < grad.size(); ++e)
    if (std::fabs(grad[e]) > floor) above.push_back(e);
  return above;
}

// Whether grad has enough entries above floor for a check with that absolute tolerance
// (see the top of this file).
inline ::testing::AssertionResult has_nonzero_gradient(const std::vector<float>& grad, double floor,
                                                       const std::string& what) {
  const size_t above = entries_above(grad, floor).size();
  const size_t needed = std::min(kMinNonzeroEntries, (grad.size() + 1) / 2);
  if (!grad.empty() && above >= needed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << above << " of " << grad.size()
                                       << " gradient entries exceed " << floor << ", " << std::max<size_t>(needed, 1)
                                       << " needed: the test's setup gives a degenerate gradient";
}

// Every entry e of param, in float64: passes when |grad[e] - fd| <= tol for each and at
// least kMinNonzeroEntries entries (half, of a tensor of fewer than 8) have |grad[e]| > tol.
// The loss f reads `param` (and whatever else it captures) when called.
template <typename Loss>
::testing::AssertionResult matches_finite_differences(std::vector<double>& param, const std::vector<float>& grad,
                                                      const Loss& f, double h, double tol, const std::string& what) {
  if (param.size() != grad.size())
    return ::testing::AssertionFailure() << what << ": " << param.size() << " parameters, " << grad.size()
                                         << " gradient entries";
  if (::testing::AssertionResult enough = has_nonzero_gradient(grad, tol, what); !enough) return enough;
  for (size_t e = 0; e < param.size(); ++e) {
    const double keep = param[e];
    param[e] = keep + h;
    const double fp = f();
    param[e] = keep - h;
    const double fm = f();
    param[e] = keep;
    const double fd = (fp - fm) / (2 * h);
    if (!(std::fabs(grad[e] - fd) <= tol))
      return ::testing::AssertionFailure() << what << " element " << e << ": gradient " << grad[e]
                                           << ", finite difference " << fd << ", tolerance " << tol;
  }
  return ::testing::AssertionSuccess();
}

// The elements a sampled check of one gradient tensor compares: the entry of largest
// magnitude, `nonzero` more drawn (with repetition) among the entries above floor, and
// `zero` drawn among the other entries when there are any (there a finite difference
// must be near zero too). Fails, as has_nonzero_gradient, when too few entries exceed floor.
inline ::testing::AssertionResult sample_checked_entries(const std::vector<float>& grad, double floor, int nonzero,
                                                         int zero, std::mt19937& rng, const std::string& what,
                                                         std::vector<size_t>& picks) {
  picks.clear();
  if (::testing::AssertionResult enough = has_nonzero_gradient(grad, floor, what); !enough) return enough;
  const std::vector<size_t> above = entries_above(grad, floor);
  std::vector<size_t> rest;
  for (size_t e = 0, k = 0; e < grad.size(); ++e) {
    if (k < above.size() && above[k] == e)
      ++k;
    else
      rest.push_back(e);
  }
  picks.push_back(*std::max_element(above.begin(), above.end(),
                                    [&](size_t a, size_t b) { return std::fabs(grad[a]) < std::fabs(grad[b]); }));
  for (int r = 0; r < nonzero; ++r) picks.push_back(above[rng() % above.size()]);
  for (int r = 0; r < zero && !rest.empty(); ++r) picks.push_back(rest[rng() % rest.size()]);
  return ::testing::AssertionSuccess();
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace mmgraph::testing
