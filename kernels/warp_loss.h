#pragma once
// Fused WARP loss (Weston, Bengio, Usunier 2011, "WSABIE"), value and gradient in one pass.
// Example b = (u, p) with T = n_candidates candidate negatives cand[b*T .. b*T+T) (negative_sampler.h).
// The first candidate j (trial t, 1-based) with margin - s_up + s_uj > 0 is the violator (s_ui = <u, i>
// on user_rep / item_rep); rank estimate r = floor((n_items - 1) / t), L(r) = sum_{k=1..r} 1/k;
// loss_b = L(r) * (margin - s_up + s_uj), 0 when no candidate violates.
// loss = weight * mean_b loss_b. With c_b = weight L(r) / B, gradients are ADDED (+=), for violating
// examples only: grad_user_rep[u] += c_b (item_j - item_p); grad_item_rep[p] -= c_b u; grad_item_rep[j] += c_b u.
// Shapes: users, pos [B]; cand [B x T]; user_rep, grad_user_rep [U x d]; item_rep, grad_item_rep [I x d].
// L(r) is evaluated in float64 by the same code on both twins (kernels/loss_math.h).
#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// Returns the loss (0 for B = 0).
double warp_loss_fused_cpu(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users,
                           const int32_t* pos, const int32_t* cand, float margin, const float* user_rep,
                           const float* item_rep, float weight, float* grad_user_rep, float* grad_item_rep);

// CUDA twin. loss_out (device, 1 float) is overwritten, summed in a fixed order. Scores and the violation test
// are float32 (the CPU's are float64: a candidate within rounding of the margin may be judged differently).
// deterministic = true writes each example's gradient rows to scratch and adds them with scatter_add_rows_cuda's
// sorted segments (bit-identical run to run); false adds them with atomics. scratch: warp_loss_scratch_bytes(b, d).
size_t warp_loss_scratch_bytes(int64_t b, int64_t d);
void warp_loss_fused_cuda(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users,
                          const int32_t* pos, const int32_t* cand, float margin, const float* user_rep,
                          const float* item_rep, float weight, float* grad_user_rep, float* grad_item_rep,
                          float* loss_out, bool deterministic, void* scratch, cudaStream_t stream);

}  // namespace mmgraph::kernels
