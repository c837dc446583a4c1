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

// One layer of the two above over one process's rows, for a run whose graph is split over
// processes (the halo rows exchanged between layers): adj holds the process's rows of Â, its
// columns index cur / h, whose rows are the process's own rows then its halo rows. Row r gets
// the arithmetic of the fused ops above (the same bits for the same inputs):
//   forward layer l of n_layers: v = (adj cur)[r]; y[r] = v (unless y is null: nothing reads
//     the last layer); out[r] = c x0[r] + c v at l = 1, out[r] += c v after (c = 1/(n_layers+1));
//   backward layer l: v = (adj h)[r]; dst[r] = c g[r] + s v with s = c at l = 1 and 1 after, or
//     dst[r] += c g[r] + s v at the last layer (dst = grad_x0).
// x0, out, g and dst have adj.n_rows rows.
void lightgcn_layer_forward_cpu(const CsrView& adj, int64_t d, int layer, int n_layers, const float* x0,
                                const float* cur, float* y, float* out);
void lightgcn_layer_backward_cpu(const CsrView& adj, int64_t d, int layer, int n_layers, const float* g,
                                 const float* h, float* dst);

// CUDA twins. Besides work (2 N d floats), they take spmm_scratch: device
// memory of spmm_csr_cuda_scratch_bytes(adj, d) bytes (kernels/spmm.h). Both
// are bit-identical from run to run.
// The CUDA forward always computes every row (its SpMM splits non-zeros, not rows).
void lightgcn_forward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* x0,
                           float* out, float* work, void* spmm_scratch, cudaStream_t stream);
void lightgcn_backward_cuda(const CsrView& adj, int64_t d, int n_layers, const float* grad_out,
                            float* grad_x0, float* work, void* spmm_scratch, cudaStream_t stream);
// The one-layer ops (spmm_scratch as above).
void lightgcn_layer_forward_cuda(const CsrView& adj, int64_t d, int layer, int n_layers, const float* x0,
                                 const float* cur, float* y, float* out, void* spmm_scratch, cudaStream_t stream);
void lightgcn_layer_backward_cuda(const CsrView& adj, int64_t d, int layer, int n_layers, const float* g,
                                  const float* h, float* dst, void* spmm_scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
