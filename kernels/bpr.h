#pragma once
// Fused BPR loss with LightGCN's L2 convention, value and gradient in one pass:
//   s_b  = <u_b, p_b> - <u_b, n_b>            (final representations)
//   loss = w mean_b softplus(-s_b) + reg * sum_b (|u0_b|^2 + |p0_b|^2 + |n0_b|^2) / B
// (softplus(-s) = -log sigmoid(s)), with u0, p0, n0 the layer-0 embedding rows.
// Gradients are ADDED (+=) into the four gradient buffers:
//   grad_user_rep[u] += -w sigmoid(-s)/B * (p - n); grad_item_rep[p] += -w sigmoid(-s)/B * u;
//   grad_item_rep[n] += w sigmoid(-s)/B * u; grad_*_emb0[row] += 2 reg / B * e0[row].
// When n_layers = 0 the rep and emb0 pointers may alias.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct BprLoss {
  double bpr = 0;  // w * mean softplus(-s)
  double reg = 0;  // reg * sum of squared norms / B
};

struct BprBatch {
  int64_t size = 0;
  const int32_t* users = nullptr;  // [size]
  const int32_t* pos = nullptr;    // [size] item ids
  const int32_t* neg = nullptr;    // [size] item ids
  float weight = 1.0f;             // w: scales the BPR term (value and gradients), not the L2 term
};

BprLoss bpr_loss_fused_cpu(const BprBatch& batch, int64_t d, const float* user_rep,
                           const float* item_rep, const float* user_emb0,
                           const float* item_emb0, float reg_weight, float* grad_user_rep,
                           float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0);

// CUDA twin. loss_out (device, 2 floats) receives {bpr, reg} (overwritten).
// deterministic = true scatters the gradients through a sorted segment reduction
// (bit-identical run to run); false uses atomics. scratch: see bpr_scratch_bytes.
size_t bpr_scratch_bytes(int64_t batch, int64_t d);
void bpr_loss_fused_cuda(const BprBatch& batch, int64_t d, const float* user_rep,
                         const float* item_rep, const float* user_emb0, const float* item_emb0,
                         float reg_weight, float* grad_user_rep, float* grad_item_rep,
                         float* grad_user_emb0, float* grad_item_emb0, float* loss_out,
                         bool deterministic, void* scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
