// CPU reference of Adam, with torch.optim.Adam's formula (float32 and bf16 storage).
#include "kernels/adam.h"
#include "kernels/adam_rule.h"

namespace mmgraph::kernels {

void adam_dense_cpu(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                    float* v) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for simd schedule(static) firstprivate(s)
  for (int64_t e = 0; e < n; ++e) adam_element(s, param[e], grad[e], m[e], v[e]);
}

void adam_bf16_cpu(int64_t n, const AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                   const float* grad, uint16_t* m, uint16_t* v) {
  const AdamScalars s = adam_scalars(p);
  const auto step = static_cast<uint64_t>(p.step);
#pragma omp parallel for schedule(static) firstprivate(s)
  for (int64_t e = 0; e < n; ++e)
    adam_bf16_element(s, seed, step, counter_first + static_cast<uint64_t>(e), param[e], grad[e], m[e], v[e]);
}

}  // namespace mmgraph::kernels
