#pragma once
// The per-position sampling rule of sampler.h, shared by the CPU loop and the
// CUDA kernel so that both draw exactly the same triples.
#include "kernels/philox.h"
#include "kernels/sampler.h"

namespace mmgraph::kernels {

MMGRAPH_HD bool sorted_contains(const int32_t* first, int64_t count, int32_t value) {
  int64_t lo = 0, hi = count;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (first[mid] < value) lo = mid + 1; else hi = mid;
  }
  return lo < count && first[lo] == value;
}

MMGRAPH_HD void sample_bpr_triple(const SamplerInputs& in, const FeistelPermutation& perm,
                                  uint64_t seed, uint64_t epoch, int64_t j, int32_t& user,
                                  int32_t& pos, int32_t& neg) {
  const int64_t k = static_cast<int64_t>(perm(static_cast<uint64_t>(j)));
  user = in.pair_user[k];
  pos = in.pair_item[k];
  const int32_t* seen = in.train_col + in.train_row_ptr[user];
  const int64_t n_seen = in.train_row_ptr[user + 1] - in.train_row_ptr[user];
  int32_t candidate = 0;
  for (uint32_t call = 0; call < kMaxNegativeCandidates / 4; ++call) {
    const Philox4 r = philox4x32_10(
        Philox4{{lo32(static_cast<uint64_t>(j)), hi32(static_cast<uint64_t>(j)),
                 lo32(epoch), call}},
        lo32(seed), hi32(seed) ^ 0x6E656700u);
    for (int c = 0; c < 4; ++c) {
      candidate = static_cast<int32_t>(uniform_below(r.v[c], static_cast<uint32_t>(in.n_items)));
      if (!sorted_contains(seen, n_seen, candidate)) {
        neg = candidate;
        return;
      }
    }
  }
  // Every candidate was a training item (a user who has seen most items): walk
  // from the last candidate to the next unseen item, or keep it if none exists.
  for (int32_t step = 1; step < in.n_items; ++step) {
    const int32_t next = (candidate + step) % in.n_items;
    if (!sorted_contains(seen, n_seen, next)) {
      neg = next;
      return;
    }
  }
  neg = candidate;
}

}  // namespace mmgraph::kernels
