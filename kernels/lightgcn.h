#pragma once
// LightGCN propagation over the normalised adjacency Â [N x N] (symmetric):
//   forward:  out = (1/(L+1)) sum_{l=0..L} Â^l x0
//   backward: grad_x0 += (1/(L+1)) sum_{l=0..L} Â^l grad_out     (Â^T = Â)
// evaluated by Horner's rule h = c g + Â h, c = 1/(L+1). All matrices [N x d],
// row-major. work holds 2 N d floats of scratch. The layer mean is accumulated
// in the SpMM epilogue: no separate pass per layer.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// rows (optional, n_rows ids, distinct but for negative ones, which name no row: a padded batch's,
// kernels/batch_rows.h): a training step reads out only at its batch's rows;
// the layer mean is then summed and the last layer computed there alone; out's other rows
// are left unfinished.
void lightgcn_forward_cpu(const CsrView& adj, int64_t d, int n_layers, const float* x0,
                          float* out, float* work, const int32_t* rows = nullptr, int64_t n_rows = 0);
// rows (optional, as in the forward): grad_out is zero outside these rows (a training step's
// objective writes its batch's rows alone); the backward then reads it there alone and leaves
// grad_out all zero, ready for the next step, by clearing them.
void lightgcn_backward_cpu(const CsrView& adj, int64_t d, int n_layers, float* grad_out, float* grad_x0,
                           float* work, const int32_t* rows = nullptr, int64_t n_rows = 0);

// CUDA twins. Besides work (2 N d floats), they take spmm_scratch: device
// memory of spmm_csr_cuda_scratch_bytes(adj, d) bytes (kernels/spmm.h). Both
// are bit-identical from run to run.
// The CUDA forward always computes every row (its SpMM splits non-zeros, not rows).
void lightgcn_forward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* x0,
                           float* out, float* work, void* spmm_scratch, cudaStream_t stream);
void lightgcn_backward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* grad_out,
                            float* grad_x0, float* work, void* spmm_scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
