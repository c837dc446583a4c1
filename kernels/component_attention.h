#pragma once
// Fine-grained (component-level) attention, conditioned on the user, for the (user, item) pairs of a
// batch only (never users x items x components). Item k has components x [K x N x d] (image regions,
// text tokens, ... projected to width d), of which the first count[k] are real (count[k] <= N; the
// rows after them are padding and never read). Pair p pairs query row q_p [d] (its user's
// representation) with item item[p]:
//   s_pc = <q_p, x_kc> / sqrt(d)                 c < n = count[k], k = item[p]
//   a_p  = softmax over c < n of s_p              (a_pc = 0 for c >= n)
//   z_p  = sum_c a_pc x_kc                        (z_p = 0 when n = 0)
// Scaled dot-product attention rather than ACF's MLP scorer: one dot product per component, so that
// forward and backward are each one pass over the pair's components, and the softmax's scale keeps
// the scores of unit-variance rows near unit variance whatever d is.
// backward, from dz [P x d], with g_pc = <dz_p, x_kc>, gbar_p = sum_c a_pc g_pc = <dz_p, z_p>:
//   ds_pc  = a_pc (g_pc - gbar_p)
//   dq_p  += sum_c ds_pc x_kc / sqrt(d)
//   dx_kc += sum over the pairs p of item k of (a_pc dz_p + ds_pc q_p / sqrt(d))
// dx is summed over an item's pairs in the order of pairs_by_item (a CSR over the K items:
// item_pair_ptr [K + 1], item_pairs [P], each item's pairs ascending), on both devices, so that the
// sums do not depend on threads.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct ComponentPairs {
  int64_t pairs = 0;                      // P
  const int32_t* item = nullptr;          // [P], in [0, K)
  int64_t items = 0;                      // K
  const int64_t* item_pair_ptr = nullptr;  // [K + 1]
  const int32_t* item_pairs = nullptr;     // [P]
};

// The pairs of each item, ascending (the CSR ComponentPairs names), from item [P] over K items.
void component_pairs_by_item(int64_t pairs, const int32_t* item, int64_t items, int64_t* item_pair_ptr,
                             int32_t* item_pairs);

// Host pointers; a [P x N] and z [P x d] are overwritten.
void component_attention_forward_cpu(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                     const float* q, const float* x, float* a, float* z);
// dq [P x d] and dx [K x N x d] are added to (dx's padding rows are left as they are).
void component_attention_backward_cpu(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                      const float* q, const float* x, const float* a, const float* z,
                                      const float* dz, float* dq, float* dx);

// CUDA twins, device pointers: one warp per pair (forward, and backward's dq), one warp per item for
// dx (its pairs in order). ds [P x N] is scratch of the backward pass.
void component_attention_forward_cuda(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                      const float* q, const float* x, float* a, float* z, cudaStream_t stream);
void component_attention_backward_cuda(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                       const float* q, const float* x, const float* a, const float* z,
                                       const float* dz, float* dq, float* dx, float* ds, cudaStream_t stream);

}  // namespace mmgraph::kernels
