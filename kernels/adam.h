#pragma once
// Adam (Kingma & Ba) as in torch.optim.Adam (no weight decay):
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), t = step (1-based).
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct AdamParams {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  int64_t step = 1;
};

// Every element of param [n].
void adam_dense_cpu(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                    float* v);
void adam_dense_cuda(int64_t n, const AdamParams& p, float* param, const float* grad, float* m,
                     float* v, cudaStream_t stream);

}  // namespace mmgraph::kernels
