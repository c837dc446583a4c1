// CUDA fused BPR: one warp per triple gathers u, i+, i- rows, scores, and
// writes loss terms and gradients; gradients are scattered with atomics, or
// (deterministic mode) through a stable radix sort by destination row and an
// in-order segmented sum, so that repeated runs are bit-identical.
#include <cub/device/device_radix_sort.cuh>

#include "kernels/bpr.h"
#include "kernels/cuda_check.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 256;
constexpr int kSlots = 6;  // gradient rows per triple: u, i+, i- (reps), u0, i+0, i-0

__device__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

struct BprArgs {
  BprBatch batch;
  int64_t d;
  const float* user_rep;
  const float* item_rep;
  const float* user_emb0;
  const float* item_emb0;
  float reg_scale;    // 2 reg / B
  float inv_b;
  float bpr_scale;    // weight / B
  float* grad[4];     // user_rep, item_rep, user_emb0, item_emb0
  float* loss_terms;  // [2 x B]: softplus(-s), |u0|^2 + |p0|^2 + |n0|^2
  float* contrib;     // deterministic mode: [6 B x d], else null
};

// One warp per triple; lanes stride over the d columns.
__global__ void __launch_bounds__(kBlock) bpr_triples(BprArgs a) {
  const int64_t b = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (b >= a.batch.size) return;
  const int64_t d = a.d;
  const int64_t u = a.batch.users[b], p = a.batch.pos[b], n = a.batch.neg[b];
  const float* eu = a.user_rep + u * d;
  const float* ep = a.item_rep + p * d;
  const float* en = a.item_rep + n * d;
  const float* u0 = a.user_emb0 + u * d;
  const float* p0 = a.item_emb0 + p * d;
  const float* n0 = a.item_emb0 + n * d;
  float s = 0, sq = 0;
  for (int64_t j = lane; j < d; j += 32) {
    s += eu[j] * (ep[j] - en[j]);
    sq += u0[j] * u0[j] + p0[j] * p0[j] + n0[j] * n0[j];
  }
  s = warp_sum(s);
  sq = warp_sum(sq);
  // softplus(-s) = log(1 + e^-s), and its derivative -sigmoid(-s).
  const float coef = -a.bpr_scale / (1.0f + expf(s));
  if (lane == 0) {
    a.loss_terms[b] = s > 0 ? log1pf(expf(-s)) : -s + log1pf(expf(s));
    a.loss_terms[a.batch.size + b] = sq;
  }
  for (int64_t j = lane; j < d; j += 32) {
    const float gu = coef * (ep[j] - en[j]), gp = coef * eu[j], gn = -coef * eu[j];
    const float ru = a.reg_scale * u0[j], rp = a.reg_scale * p0[j], rn = a.reg_scale * n0[j];
    if (a.contrib) {
      float* c = a.contrib + b * kSlots * d;
      c[0 * d + j] = gu;
      c[1 * d + j] = gp;
      c[2 * d + j] = gn;
      c[3 * d + j] = ru;
      c[4 * d + j] = rp;
      c[5 * d + j] = rn;
    } else {
      atomicAdd(a.grad[0] + u * d + j, gu);
      atomicAdd(a.grad[1] + p * d + j, gp);
      atomicAdd(a.grad[1] + n * d + j, gn);
      atomicAdd(a.grad[2] + u * d + j, ru);
      atomicAdd(a.grad[3] + p * d + j, rp);
      atomicAdd(a.grad[3] + n * d + j, rn);
    }
  }
}

// Sort keys of the contributions: (destination buffer << 32) | row, value =
// contribution index (triple * 6 + slot). Aliased buffers share an id.
__global__ void bpr_contribution_keys(BprBatch batch, int buffer_of_slot3, int buffer_of_slot45,
                                      unsigned long long* keys, int32_t* index) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= batch.size * kSlots) return;
  const int64_t b = e / kSlots;
  const int slot = static_cast<int>(e % kSlots);
  unsigned long long buffer, row;
  switch (slot) {
    case 0: buffer = 0; row = batch.users[b]; break;
    case 1: buffer = 1; row = batch.pos[b]; break;
    case 2: buffer = 1; row = batch.neg[b]; break;
    case 3: buffer = buffer_of_slot3; row = batch.users[b]; break;
    case 4: buffer = buffer_of_slot45; row = batch.pos[b]; break;
    default: buffer = buffer_of_slot45; row = batch.neg[b]; break;
  }
  keys[e] = (buffer << 32) | row;
  index[e] = static_cast<int32_t>(e);
}

// One warp per sorted position; the warp at the head of a run of equal keys
// sums the run's contributions in sorted (= index) order and adds the sum into
// the destination row. One writer per row: deterministic without atomics.
__global__ void __launch_bounds__(kBlock) bpr_segmented_sum(int64_t n, int64_t d, const unsigned long long* keys,
                                                            const int32_t* index, const float* contrib,
                                                            BprArgs a) {
  const int64_t i = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= n || (i > 0 && keys[i] == keys[i - 1])) return;
  const unsigned long long key = keys[i];
  float* dst = a.grad[key >> 32] + static_cast<int64_t>(key & 0xffffffffull) * d;
  for (int64_t j = lane; j < d; j += 32) {
    float sum = 0;
    for (int64_t k = i; k < n && keys[k] == key; ++k) {
      const int64_t e = index[k];
      sum += contrib[(e / kSlots) * kSlots * d + (e % kSlots) * d + j];
    }
    dst[j] += sum;
  }
}

// Single block: loss_out = {mean softplus, reg * mean sq} summed in a fixed order.
__global__ void __launch_bounds__(kBlock) bpr_loss_reduce(int64_t batch, const float* terms, float bpr_scale,
                                                          float inv_b, float reg, float* loss_out) {
  __shared__ float part[2][kBlock];
  float s0 = 0, s1 = 0;
  for (int64_t b = threadIdx.x; b < batch; b += kBlock) {
    s0 += terms[b];
    s1 += terms[batch + b];
  }
  part[0][threadIdx.x] = s0;
  part[1][threadIdx.x] = s1;
  __syncthreads();
  for (int stride = kBlock / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      part[0][threadIdx.x] += part[0][threadIdx.x + stride];
      part[1][threadIdx.x] += part[1][threadIdx.x + stride];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    loss_out[0] = part[0][0] * bpr_scale;
    loss_out[1] = reg * part[1][0] * inv_b;
  }
}

// Byte offsets of the scratch regions, each 256-byte aligned.
struct ScratchLayout {
  size_t terms, contrib, keys_in, keys_out, index_in, index_out, cub, total;
  size_t cub_bytes;
};

size_t align256(size_t x) { return (x + 255) / 256 * 256; }

ScratchLayout scratch_layout(int64_t batch, int64_t d) {
  const auto n = static_cast<size_t>(batch) * kSlots;
  ScratchLayout s{};
  size_t cub_bytes = 0;
  MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, cub_bytes, static_cast<const unsigned long long*>(nullptr),
                                                     static_cast<unsigned long long*>(nullptr),
                                                     static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr),
                                                     static_cast<int>(n), 0, 34));
  s.cub_bytes = cub_bytes;
  size_t at = 0;
  s.terms = at;
  at += align256(2 * static_cast<size_t>(batch) * sizeof(float));
  s.contrib = at;
  at += align256(n * static_cast<size_t>(d) * sizeof(float));
  s.keys_in = at;
  at += align256(n * sizeof(unsigned long long));
  s.keys_out = at;
  at += align256(n * sizeof(unsigned long long));
  s.index_in = at;
  at += align256(n * sizeof(int32_t));
  s.index_out = at;
  at += align256(n * sizeof(int32_t));
  s.cub = at;
  at += align256(cub_bytes);
  s.total = at;
  return s;
}

}  // namespace

size_t bpr_scratch_bytes(int64_t batch, int64_t d) { return scratch_layout(batch, d).total; }

void bpr_loss_fused_cuda(const BprBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                         const float* user_emb0, const float* item_emb0, float reg_weight, float* grad_user_rep,
                         float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0, float* loss_out,
                         bool deterministic, void* scratch, cudaStream_t stream) {
  if (batch.size == 0) {
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_out, 0, 2 * sizeof(float), stream));
    return;
  }
  const ScratchLayout layout = scratch_layout(batch.size, d);
  char* base = static_cast<char*>(scratch);
  BprArgs a{batch, d, user_rep, item_rep, user_emb0, item_emb0,
            static_cast<float>(2.0 * reg_weight / static_cast<double>(batch.size)),
            static_cast<float>(1.0 / static_cast<double>(batch.size)),
            static_cast<float>(static_cast<double>(batch.weight) / static_cast<double>(batch.size)),
            {grad_user_rep, grad_item_rep, grad_user_emb0, grad_item_emb0},
            reinterpret_cast<float*>(base + layout.terms),
            deterministic ? reinterpret_cast<float*>(base + layout.contrib) : nullptr};
  cuda::launch("bpr_triples", &bpr_triples, batch.size * 32, kBlock, stream, a);
  if (deterministic) {
    const int64_t n = batch.size * kSlots;
    auto* keys_in = reinterpret_cast<unsigned long long*>(base + layout.keys_in);
    auto* keys_out = reinterpret_cast<unsigned long long*>(base + layout.keys_out);
    auto* index_in = reinterpret_cast<int32_t*>(base + layout.index_in);
    auto* index_out = reinterpret_cast<int32_t*>(base + layout.index_out);
    // With L = 0 the rep and layer-0 gradients are the same buffers: merge their keys.
    const int slot3 = grad_user_emb0 == grad_user_rep ? 0 : 2;
    const int slot45 = grad_item_emb0 == grad_item_rep ? 1 : 3;
    cuda::launch("bpr_contribution_keys", &bpr_contribution_keys, n, kBlock, stream, batch, slot3, slot45, keys_in,
                 index_in);
    size_t cub_bytes = layout.cub_bytes;
    MMGRAPH_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(base + layout.cub, cub_bytes, keys_in, keys_out, index_in,
                                                       index_out, static_cast<int>(n), 0, 34, stream));
    cuda::launch("bpr_segmented_sum", &bpr_segmented_sum, n * 32, kBlock, stream, n, d, keys_out, index_out,
                 a.contrib, a);
  }
  cuda::launch("bpr_loss_reduce", &bpr_loss_reduce, kBlock, kBlock, stream, batch.size, a.loss_terms, a.bpr_scale,
               a.inv_b, reg_weight, loss_out);
}

}  // namespace mmgraph::kernels
