// CPU references of the non-finite and non-zero counts (see nonfinite.h).
#include <cmath>

#include "kernels/nonfinite.h"

namespace mmgraph::kernels {

int64_t count_nonfinite_cpu(const float* x, int64_t n) {
  int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
  for (int64_t e = 0; e < n; ++e) bad += std::isfinite(x[e]) ? 0 : 1;
  return bad;
}

int64_t count_nonfinite_bf16_cpu(const uint16_t* x, int64_t n) {
  int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
  for (int64_t e = 0; e < n; ++e) bad += bf16_nonfinite(x[e]) ? 1 : 0;
  return bad;
}

int64_t count_nonzero_cpu(const float* x, int64_t n) {
  int64_t nonzero = 0;
#pragma omp parallel for schedule(static) reduction(+ : nonzero)
  for (int64_t e = 0; e < n; ++e) nonzero += x[e] == 0.0f ? 0 : 1;
  return nonzero;
}

}  // namespace mmgraph::kernels
