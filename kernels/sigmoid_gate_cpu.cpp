// CPU reference of the sigmoid gate.
#include "kernels/sigmoid_gate.h"
#include "kernels/sigmoid_gate_rule.h"
#include "kernels/vector_math.h"

namespace mmgraph::kernels {

void sigmoid_gate_forward_cpu(int64_t n, const float* x, const float* pre, float* out) {
#pragma omp parallel for simd schedule(static)
  for (int64_t e = 0; e < n; ++e) out[e] = x[e] * sigmoid_of(pre[e]);
}

void sigmoid_gate_backward_cpu(int64_t n, const float* x, const float* pre, const float* dout, float* dx, float* dpre) {
#pragma omp parallel for simd schedule(static)
  for (int64_t e = 0; e < n; ++e) sigmoid_gate_backward_element(x[e], pre[e], dout[e], dx[e], dpre[e]);
}

}  // namespace mmgraph::kernels
