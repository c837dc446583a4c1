// CPU reference of Adam, dense and lazy-rows, with torch.optim.Adam's formula.
#include "kernels/adam.h"
#include "kernels/adam_rule.h"

namespace mmgraph::kernels {

void adam_dense_cpu(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                    float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for simd schedule(static) firstprivate(s)
  for (int64_t e = 0; e < n; ++e) adam_element(s, param[e], grad[e], m[e], v[e]);
}

void adam_rows_cpu(int64_t n_rows, const int32_t* rows, int64_t d, const AdamParams& p,
                   float* param, const float* grad, float* m, float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for schedule(static) firstprivate(s)
  for (int64_t k = 0; k < n_rows; ++k) {
    const int64_t base = static_cast<int64_t>(rows[k]) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j)
      adam_element(s, param[base + j], grad[base + j], m[base + j], v[base + j]);
  }
}

}  // namespace mmgraph::kernels
