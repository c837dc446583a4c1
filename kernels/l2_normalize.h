#pragma once
// Row L2 normalisation as torch.nn.functional.normalize (eps = 1e-12), [n x d] row-major:
//   forward:  y[i] = x[i] / r_i,  r_i = max(|x[i]|, eps)               (y overwritten)
//   backward: dx[i] += (dy[i] - y[i] (y[i] . dy[i])) / r_i  when |x[i]| >= eps, dy[i] / eps otherwise
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

inline constexpr float kNormalizeEps = 1e-12f;

void l2_normalize_rows_forward_cpu(int64_t n, int64_t d, const float* x, float* y);
void l2_normalize_rows_backward_cpu(int64_t n, int64_t d, const float* x, const float* y, const float* dy, float* dx);

// CUDA twins: one warp per row.
void l2_normalize_rows_forward_cuda(int64_t n, int64_t d, const float* x, float* y, cudaStream_t stream);
void l2_normalize_rows_backward_cuda(int64_t n, int64_t d, const float* x, const float* y, const float* dy, float* dx,
                                     cudaStream_t stream);

}  // namespace mmgraph::kernels
