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

// The same step with param, m and v stored as bf16 (kernels/bf16.h bit patterns) and grad float32,
// for learnt tables too large for float32 moments: each element is widened, updated by the float32
// rule above, and its three results are rounded to bf16 stochastically (adam_rule.h): unbiased, so
// that updates far below a bf16 step (lr 1e-3 on values near 1 moves them ~1/4 of one) still move
// the value in expectation, where rounding to nearest would lose them all. The random bits are
// Philox4x32-10 of (counter_first + e, step) keyed by seed: a pure function, the same on both
// backends, after a resume, and for a table split by rows over processes when each passes its
// rows' global element offset as counter_first.
void adam_bf16_cpu(int64_t n, const AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                   const float* grad, uint16_t* m, uint16_t* v);
void adam_bf16_cuda(int64_t n, const AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                    const float* grad, uint16_t* m, uint16_t* v, cudaStream_t stream);

}  // namespace mmgraph::kernels
