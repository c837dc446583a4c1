#pragma once
// The per-element rule of sigmoid_gate.h, shared by the CPU loop and the CUDA kernel.
#include <math.h>

#include "kernels/common.h"

namespace mmgraph::kernels {

MMGRAPH_HD float sigmoid_of(float z) { return 1.0f / (1.0f + expf(-z)); }

MMGRAPH_HD void sigmoid_gate_backward_element(float x, float pre, float dout, float& dx, float& dpre) {
  const float s = sigmoid_of(pre);
  dx += dout * s;
  dpre = dout * x * s * (1.0f - s);
}

}  // namespace mmgraph::kernels
