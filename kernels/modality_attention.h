#pragma once
// Modality-aware attention (fusion) over m modality views of n rows (items, or
// users and items), h [m x n x d] with view j's rows at h + j*n*d:
//   t_j[i] = tanh(h_j[i] P + p)   (row vector times P [d x d], bias p [d])
//   s_ij   = q . t_j[i],   a[i, :] = softmax_j(s_i:),   z[i] = sum_j a[i, j] h_j[i]
// forward overwrites t [m x n x d] (kept for the backward pass), a [n x m], z [n x d].
// backward, from dz [n x d]: dh += dL/dh, dP += dL/dP, dp += dL/dp, dq += dL/dq;
// work: modality_attention_work_floats(n, d, m) floats of scratch. 1 <= m <= kMaxModalities.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

inline constexpr int kMaxModalities = 8;

// Scratch of the backward pass: the pre-activation gradient [m x n x d] and the score gradient [m x n].
inline int64_t modality_attention_work_floats(int64_t n, int64_t d, int m) { return m * n * (d + 1); }

void modality_attention_forward_cpu(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p,
                                    const float* q, float* t, float* a, float* z);
void modality_attention_backward_cpu(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q,
                                     const float* t, const float* a, const float* dz, float* dh, float* dP,
                                     float* dp, float* dq, float* work);

// CUDA twins: h P for all views as one [(m n) x d] x [d x d] cuBLAS GEMM; one fused
// kernel per direction for the rest; fixed-order reductions (bit-identical runs). The
// backward's column sums (dq, dp) take sum_scratch: column_sum_scratch_floats(m n, d) floats.
void modality_attention_forward_cuda(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p,
                                     const float* q, float* t, float* a, float* z, cublasHandle_t cublas,
                                     cudaStream_t stream);
void modality_attention_backward_cuda(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q,
                                      const float* t, const float* a, const float* dz, float* dh, float* dP,
                                      float* dp, float* dq, float* work, float* sum_scratch, cublasHandle_t cublas,
                                      cudaStream_t stream);

}  // namespace mmgraph::kernels
