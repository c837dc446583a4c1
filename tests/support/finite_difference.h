#pragma once
// Gradient checks by central finite differences in float64: for every entry e
// of `param`, (f(param + h e_e) - f(param - h e_e)) / 2h against grad[e]. The
// loss f reads `param` (and whatever else it captures) when called.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace mmgraph::testing {

template <typename Loss>
::testing::AssertionResult matches_finite_differences(std::vector<double>& param, const std::vector<float>& grad,
                                                      const Loss& f, double h, double tol, const std::string& what) {
  if (param.size() != grad.size())
    return ::testing::AssertionFailure() << what << ": " << param.size() << " parameters, " << grad.size()
                                         << " gradient entries";
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

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace mmgraph::testing
