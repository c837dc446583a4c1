// CPU row gather (parallel over rows) and scatter-add (sequential, so that each
// destination receives its rows in ascending r order).
#include "kernels/row_gather.h"

#include <algorithm>

namespace mmgraph::kernels {

void gather_rows_cpu(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    if (idx[r] < 0) std::fill_n(dst + r * d, d, 0.0f);
    else std::copy_n(src + idx[r] * d, d, dst + r * d);
  }
}

void scatter_add_rows_cpu(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) {
  for (int64_t r = 0; r < n; ++r) {
    if (idx[r] < 0) continue;
    float* out = dst + idx[r] * d;
    const float* in = src + r * d;
    for (int64_t j = 0; j < d; ++j) out[j] += in[j];
  }
}

}  // namespace mmgraph::kernels
