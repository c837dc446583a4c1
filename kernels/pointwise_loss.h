#pragma once
// Fused pointwise losses on (user, item, target) examples, value and gradient
// in one pass (rating regression, or BCE with sampled negatives as target-0 rows):
//   s_b = <user_rep[users[b]], item_rep[items[b]]>
//   kMse: loss = weight * mean_b (s_b - y_b)^2
//   kBce: loss = weight * mean_b (softplus(s_b) - y_b s_b)    (BCE with logits, y_b in [0, 1])
// With g_b = dloss/ds_b (kMse: 2 weight (s_b - y_b) / B; kBce: weight (sigmoid(s_b) - y_b) / B),
// gradients are ADDED (+=): grad_user_rep[users[b]] += g_b item_rep[items[b]],
// grad_item_rep[items[b]] += g_b user_rep[users[b]].
// Shapes: users, items, targets [B]; user_rep, grad_user_rep [U x d]; item_rep, grad_item_rep [I x d].
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

enum class PointwiseLoss { kMse, kBce };

// Returns the loss (0 for B = 0).
double pointwise_loss_fused_cpu(PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                                const float* targets, const float* user_rep, const float* item_rep, float weight,
                                float* grad_user_rep, float* grad_item_rep);

// CUDA twin. loss_out (device, 1 float) is overwritten, summed in a fixed order. deterministic = true writes
// each example's two gradient rows to scratch and adds them with scatter_add_rows_cuda's sorted segments
// (bit-identical run to run); false adds them with atomics. scratch: pointwise_loss_scratch_bytes(b, d).
size_t pointwise_loss_scratch_bytes(int64_t b, int64_t d);
void pointwise_loss_fused_cuda(PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                               const float* targets, const float* user_rep, const float* item_rep, float weight,
                               float* grad_user_rep, float* grad_item_rep, float* loss_out, bool deterministic,
                               void* scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
