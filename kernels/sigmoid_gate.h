#pragma once
// Elementwise sigmoid gate (MGCN's purifier and preference gates), over n values:
//   forward:  out = x * s, s = sigmoid(pre)      (pre = c G + g comes from linear_forward)
//   backward: dx += dout * s;  dpre = dout * x * s * (1 - s)   (dpre OVERWRITTEN)
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

void sigmoid_gate_forward_cpu(int64_t n, const float* x, const float* pre, float* out);
void sigmoid_gate_backward_cpu(int64_t n, const float* x, const float* pre, const float* dout, float* dx, float* dpre);

// CUDA twins: one thread per element.
void sigmoid_gate_forward_cuda(int64_t n, const float* x, const float* pre, float* out, cudaStream_t stream);
void sigmoid_gate_backward_cuda(int64_t n, const float* x, const float* pre, const float* dout, float* dx, float* dpre,
                                cudaStream_t stream);

}  // namespace mmgraph::kernels
