// CPU reference of Adam, with torch.optim.Adam's formula.
#include "kernels/adam.h"
#include "kernels/adam_rule.h"

namespace mmgraph::kernels {

void adam_dense_cpu(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                    float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for simd schedule(static) firstprivate(s)
  for (int64_t e = 0; e < n; ++e) adam_element(s, param[e], grad[e], m[e], v[e]);
}

}  // namespace mmgraph::kernels
