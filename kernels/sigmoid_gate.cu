// CUDA twin of the sigmoid gate: one thread per element, the rule shared with the CPU.
#include "kernels/cuda_check.h"
#include "kernels/sigmoid_gate.h"
#include "kernels/sigmoid_gate_rule.h"

namespace mmgraph::kernels {

namespace {

// One thread per element.
__global__ void sigmoid_gate_forward_elementwise(int64_t n, const float* x, const float* pre, float* out) {
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e < n) out[e] = x[e] * sigmoid_of(pre[e]);
}

// One thread per element.
__global__ void sigmoid_gate_backward_elementwise(int64_t n, const float* x, const float* pre, const float* dout,
                                                  float* dx, float* dpre) {
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e < n) sigmoid_gate_backward_element(x[e], pre[e], dout[e], dx[e], dpre[e]);
}

}  // namespace

void sigmoid_gate_forward_cuda(int64_t n, const float* x, const float* pre, float* out, cudaStream_t stream) {
  cuda::launch("sigmoid_gate_forward", &sigmoid_gate_forward_elementwise, n, 256, stream, n, x, pre, out);
}

void sigmoid_gate_backward_cuda(int64_t n, const float* x, const float* pre, const float* dout, float* dx, float* dpre,
                                cudaStream_t stream) {
  cuda::launch("sigmoid_gate_backward", &sigmoid_gate_backward_elementwise, n, 256, stream, n, x, pre, dout, dx,
               dpre);
}

}  // namespace mmgraph::kernels
