// CUDA fused WARP loss: one warp per example scores the positive, then the
// candidates in order until the first violator, writes the loss term and adds
// the gradient rows with atomics or (deterministic mode) writes them to scratch
// for scatter_add_rows_cuda's sorted, in-order sums.
#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/loss_device.cuh"
#include "kernels/loss_math.h"
#include "kernels/row_gather.h"
#include "kernels/warp_loss.h"

namespace mmgraph::kernels {

namespace {

struct WarpArgs {
  int64_t b, d;
  int n_candidates;
  int64_t n_items;
  const int32_t* users;
  const int32_t* pos;
  const int32_t* cand;
  float margin;
  const float* user_rep;
  const float* item_rep;
  float scale;  // weight / B
  float* grad_user_rep;
  float* grad_item_rep;
  float* terms;         // [B] L(r) * violation, 0 without a violator
  float* contrib_user;  // deterministic mode: [B x d] user gradient rows, else null
  float* contrib_item;  // deterministic mode: [2B x d] positive rows, then violator rows
  int32_t* item_rows;   // deterministic mode: [2B] destinations of contrib_item
};

// One warp per example; lanes stride over the d columns. Each score is a warp
// sum that every lane holds bit for bit, so the search for the violator is
// warp-uniform and stops for the whole warp at the first one.
__global__ void __launch_bounds__(kLossBlock) warp_examples(WarpArgs a) {
  const int64_t e = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (e >= a.b) return;
  const int64_t d = a.d;
  const int32_t p = a.pos[e];
  const float* eu = a.user_rep + static_cast<int64_t>(a.users[e]) * d;
  const float* ep = a.item_rep + static_cast<int64_t>(p) * d;
  float s_up = 0;
  for (int64_t k = lane; k < d; k += 32) s_up += eu[k] * ep[k];
  s_up = warp_sum(s_up);
  int trial = 0;  // 1-based trial of the violator, 0 if none
  int32_t violator = p;
  float violation = 0;
  for (int t = 0; t < a.n_candidates && trial == 0; ++t) {
    const int32_t j = a.cand[e * a.n_candidates + t];
    const float* ej = a.item_rep + static_cast<int64_t>(j) * d;
    float s_uj = 0;
    for (int64_t k = lane; k < d; k += 32) s_uj += eu[k] * ej[k];
    s_uj = warp_sum(s_uj);
    const float v = a.margin - s_up + s_uj;
    if (v > 0) {
      trial = t + 1;
      violator = j;
      violation = v;
    }
  }
  const double rank_weight = trial > 0 ? warp_rank_weight(a.n_items, trial) : 0.0;
  if (lane == 0) {
    a.terms[e] = static_cast<float>(rank_weight * violation);
    if (a.item_rows) {
      a.item_rows[e] = p;
      a.item_rows[a.b + e] = violator;
    }
  }
  const auto c = static_cast<float>(a.scale * rank_weight);
  const float* ej = a.item_rep + static_cast<int64_t>(violator) * d;
  if (a.contrib_user) {
    // Rows of non-violating examples are zeros (their destinations get + 0).
    for (int64_t k = lane; k < d; k += 32) {
      const float uk = eu[k];
      a.contrib_user[e * d + k] = trial > 0 ? c * (ej[k] - ep[k]) : 0.0f;
      a.contrib_item[e * d + k] = -c * uk;
      a.contrib_item[(a.b + e) * d + k] = c * uk;
    }
  } else if (trial > 0) {
    float* gu = a.grad_user_rep + static_cast<int64_t>(a.users[e]) * d;
    float* gp = a.grad_item_rep + static_cast<int64_t>(p) * d;
    float* gj = a.grad_item_rep + static_cast<int64_t>(violator) * d;
    for (int64_t k = lane; k < d; k += 32) {
      const float uk = eu[k];
      atomicAdd(gu + k, c * (ej[k] - ep[k]));
      atomicAdd(gp + k, -c * uk);
      atomicAdd(gj + k, c * uk);
    }
  }
}

// Byte offsets of the scratch regions, each 256-byte aligned.
struct WarpScratch {
  size_t terms, contrib_user, contrib_item, item_rows, scatter, total;
};

WarpScratch warp_scratch(int64_t b, int64_t d) {
  const auto rows = static_cast<size_t>(b) * static_cast<size_t>(d) * sizeof(float);
  WarpScratch s{};
  s.terms = 0;
  s.contrib_user = align256(static_cast<size_t>(b) * sizeof(float));
  s.contrib_item = s.contrib_user + align256(rows);
  s.item_rows = s.contrib_item + align256(2 * rows);
  s.scatter = s.item_rows + align256(2 * static_cast<size_t>(b) * sizeof(int32_t));
  // Both scatters (B user rows, 2B item rows) run in this region, one after the other.
  s.total = s.scatter + align256(std::max(scatter_add_rows_scratch_bytes(b, d), scatter_add_rows_scratch_bytes(2 * b, d)));
  return s;
}

}  // namespace

size_t warp_loss_scratch_bytes(int64_t b, int64_t d) { return warp_scratch(b, d).total; }

void warp_loss_fused_cuda(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users,
                          const int32_t* pos, const int32_t* cand, float margin, const float* user_rep,
                          const float* item_rep, float weight, float* grad_user_rep, float* grad_item_rep,
                          float* loss_out, bool deterministic, void* scratch, cudaStream_t stream) {
  if (b == 0) {
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_out, 0, sizeof(float), stream));
    return;
  }
  const WarpScratch s = warp_scratch(b, d);
  char* base = static_cast<char*>(scratch);
  WarpArgs a{b, d, n_candidates, n_items, users, pos, cand, margin, user_rep, item_rep,
             static_cast<float>(weight / static_cast<double>(b)), grad_user_rep, grad_item_rep,
             reinterpret_cast<float*>(base + s.terms),
             deterministic ? reinterpret_cast<float*>(base + s.contrib_user) : nullptr,
             deterministic ? reinterpret_cast<float*>(base + s.contrib_item) : nullptr,
             deterministic ? reinterpret_cast<int32_t*>(base + s.item_rows) : nullptr};
  cuda::launch("warp_examples", &warp_examples, b * 32, kLossBlock, stream, a);
  if (deterministic) {
    scatter_add_rows_cuda(b, d, users, a.contrib_user, grad_user_rep, true, base + s.scatter, stream);
    scatter_add_rows_cuda(2 * b, d, a.item_rows, a.contrib_item, grad_item_rep, true, base + s.scatter, stream);
  }
  cuda::launch("sum_terms_fixed_order", &sum_terms_fixed_order<kLossBlock>, kLossBlock, kLossBlock, stream, b,
               a.terms, a.scale, loss_out);
}

}  // namespace mmgraph::kernels
