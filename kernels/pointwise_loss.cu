// CUDA fused pointwise losses: one warp per example scores it, writes its loss
// term, and adds its two gradient rows with atomics or (deterministic mode)
// writes them to scratch for scatter_add_rows_cuda's sorted, in-order sums.
#include "kernels/cuda_check.h"
#include "kernels/loss_device.cuh"
#include "kernels/pointwise_loss.h"
#include "kernels/row_gather.h"

namespace mmgraph::kernels {

namespace {

struct PointwiseArgs {
  PointwiseLoss kind;
  int64_t b, d;
  const int32_t* users;
  const int32_t* items;
  const float* targets;
  const float* user_rep;
  const float* item_rep;
  float scale;  // weight / B
  float* grad_user_rep;
  float* grad_item_rep;
  float* terms;         // [B] per-example loss before the scale
  float* contrib_user;  // deterministic mode: [B x d] gradient rows, else null
  float* contrib_item;  // deterministic mode: [B x d]
};

// One warp per example; lanes stride over the d columns, the score is a warp sum
// (the same in every lane, so the whole warp knows the coefficient).
__global__ void __launch_bounds__(kLossBlock) pointwise_examples(PointwiseArgs a) {
  const int64_t e = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (e >= a.b) return;
  const int64_t d = a.d;
  const float* eu = a.user_rep + static_cast<int64_t>(a.users[e]) * d;
  const float* ei = a.item_rep + static_cast<int64_t>(a.items[e]) * d;
  float s = 0;
  for (int64_t j = lane; j < d; j += 32) s += eu[j] * ei[j];
  s = warp_sum(s);
  const float y = a.targets[e];
  float term, ds;
  if (a.kind == PointwiseLoss::kMse) {
    term = (s - y) * (s - y);
    ds = 2 * (s - y);
  } else {
    term = (s > 0 ? s + log1pf(expf(-s)) : log1pf(expf(s))) - y * s;
    ds = 1 / (1 + expf(-s)) - y;
  }
  if (lane == 0) a.terms[e] = term;
  const float g = a.scale * ds;
  float* gu = a.grad_user_rep + static_cast<int64_t>(a.users[e]) * d;
  float* gi = a.grad_item_rep + static_cast<int64_t>(a.items[e]) * d;
  for (int64_t j = lane; j < d; j += 32) {
    const float du = g * ei[j], di = g * eu[j];
    if (a.contrib_user) {
      a.contrib_user[e * d + j] = du;
      a.contrib_item[e * d + j] = di;
    } else {
      atomicAdd(gu + j, du);
      atomicAdd(gi + j, di);
    }
  }
}

// Byte offsets of the scratch regions, each 256-byte aligned.
struct PointwiseScratch {
  size_t terms, contrib_user, contrib_item, scatter, total;
};

PointwiseScratch pointwise_scratch(int64_t b, int64_t d) {
  PointwiseScratch s{};
  const size_t rows = align256(static_cast<size_t>(b) * static_cast<size_t>(d) * sizeof(float));
  s.terms = 0;
  s.contrib_user = align256(static_cast<size_t>(b) * sizeof(float));
  s.contrib_item = s.contrib_user + rows;
  s.scatter = s.contrib_item + rows;
  s.total = s.scatter + align256(scatter_add_rows_scratch_bytes(b, d));
  return s;
}

}  // namespace

size_t pointwise_loss_scratch_bytes(int64_t b, int64_t d) { return pointwise_scratch(b, d).total; }

void pointwise_loss_fused_cuda(PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                               const float* targets, const float* user_rep, const float* item_rep, float weight,
                               float* grad_user_rep, float* grad_item_rep, float* loss_out, bool deterministic,
                               void* scratch, cudaStream_t stream) {
  if (b == 0) {
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_out, 0, sizeof(float), stream));
    return;
  }
  const PointwiseScratch s = pointwise_scratch(b, d);
  char* base = static_cast<char*>(scratch);
  PointwiseArgs a{kind, b, d, users, items, targets, user_rep, item_rep,
                  static_cast<float>(weight / static_cast<double>(b)), grad_user_rep, grad_item_rep,
                  reinterpret_cast<float*>(base + s.terms),
                  deterministic ? reinterpret_cast<float*>(base + s.contrib_user) : nullptr,
                  deterministic ? reinterpret_cast<float*>(base + s.contrib_item) : nullptr};
  cuda::launch("pointwise_examples", &pointwise_examples, b * 32, kLossBlock, stream, a);
  if (deterministic) {
    scatter_add_rows_cuda(b, d, users, a.contrib_user, grad_user_rep, true, base + s.scatter, stream);
    scatter_add_rows_cuda(b, d, items, a.contrib_item, grad_item_rep, true, base + s.scatter, stream);
  }
  cuda::launch("sum_terms_fixed_order", &sum_terms_fixed_order<kLossBlock>, kLossBlock, kLossBlock, stream, b,
               a.terms, a.scale, loss_out);
}

}  // namespace mmgraph::kernels
