#pragma once
// Fused InfoNCE between two views of the same batch rows (MGCN's / SGL's
// contrastive loss, in-batch negatives), value and gradient in one pass.
// a, bv [B x d] row-major; a^_k = a_k / max(|a_k|, 1e-12) (likewise b^; torch's F.normalize);
//   c_kj = <a^_k, b^_j> / temperature,   loss = weight * mean_k (logsumexp_j c_kj - c_kk).
// With G_kj = weight / B * (softmax_j(c_k.)_j - [j == k]): dL/da^ = G b^ / t, dL/db^ = G^T a^ / t, and
// through the normalisation dL/da_k = (g_k - a^_k <a^_k, g_k>) / |a_k| (g_k / 1e-12 below the clamp).
//
// Row multiplicities (counts, optional): a batch that holds a row r_k n_k times (the same user in
// several triples) is the same loss over its K distinct rows with every sum weighted by n_k:
//   loss = weight / N * sum_k n_k (log sum_j n_j exp(c_kj) - c_kk),   N = total (= sum_k n_k),
//   G_kj = weight / N * n_k (n_j exp(c_kj) / sum_l n_l exp(c_kl) - [j == k]),
// which is what the duplicated batch gives once each copy's gradient is added into its row, at
// (K / B)^2 of the GEMM work. counts == nullptr means every n_k = 1 (and total is then B).
// Gradients are ADDED (+=) into grad_a, grad_b [B x d]. d >= 1 (both twins throw mmgraph::Error otherwise).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Two views a, b [B x d] of B distinct rows with multiplicities counts[B] (nullptr: all 1) out of
// `total` batch rows; loss and gradients as above, gradients ADDED into grad_a, grad_b [B x d]
// (through the cosine normalisation). CPU returns the loss.
// scratch: reused between calls (grown as needed); nullptr allocates for this call only.
struct InfonceCpuScratch {
  std::vector<float> floats;
  std::vector<double> doubles;
};
double infonce_loss_fused_cpu(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts,
                              int64_t total, float temperature, float weight, float* grad_a, float* grad_b,
                              InfonceCpuScratch* scratch = nullptr);
size_t infonce_scratch_bytes(int64_t b, int64_t d);
// CUDA: logits by one cuBLAS GEMM (FP32), a fused row-wise log-sum-exp + softmax-gradient kernel, GEMMs for the
// gradients; loss_out (device, 1 float) overwritten; deterministic (no atomics). counts: device memory or nullptr.
// The GEMMs run in the handle's math mode (FP32 under CUBLAS_DEFAULT_MATH, as the engine sets it).
// scratch: infonce_scratch_bytes(b, d) bytes, of which B x B floats for the logits.
void infonce_loss_fused_cuda(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts,
                             int64_t total, float temperature, float weight, float* grad_a, float* grad_b,
                             float* loss_out, void* scratch, cublasHandle_t cublas, cudaStream_t stream);

}  // namespace mmgraph::kernels
