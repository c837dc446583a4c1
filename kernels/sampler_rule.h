#pragma once
// The per-position sampling rules of sampler.h and negative_sampler.h, shared by
// the CPU loops and the CUDA kernels so that both draw exactly the same items.
#include <string>

#include "kernels/philox.h"
#include "kernels/sampler.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

// Philox calls (4 draws each) one negative may use before the walk.
inline constexpr uint32_t kNegativeCalls = kMaxNegativeCandidates / 4;

MMGRAPH_HD bool sorted_contains(const int32_t* first, int64_t count, int32_t value) {
  int64_t lo = 0, hi = count;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (first[mid] < value) lo = mid + 1; else hi = mid;
  }
  return lo < count && first[lo] == value;
}

// Item k of the range negatives are drawn from (sampler.h: item_pool or [0, n_items)).
MMGRAPH_HD int32_t pool_item(const SamplerInputs& in, int32_t k) { return in.item_pool ? in.item_pool[k] : k; }

// The rejection rule of every negative: the first Philox draw of the range (pool_item
// of a uniform index in [0, n_items)) that is not a training item of `user`, drawn from `counter` with call c added
// to its last word (c = 0 .. kNegativeCalls-1) under key (k0, k1); if every draw
// was a training item, the next unseen item after the last draw (cyclically), or
// the last draw when the user has seen every item.
MMGRAPH_HD int32_t draw_unseen_item(const SamplerInputs& in, int32_t user, Philox4 counter, uint32_t k0,
                                    uint32_t k1) {
  const int32_t* seen = in.train_col + in.train_row_ptr[user];
  const int64_t n_seen = in.train_row_ptr[user + 1] - in.train_row_ptr[user];
  const uint32_t base = counter.v[3];
  int32_t candidate = 0;
  for (uint32_t call = 0; call < kNegativeCalls; ++call) {
    counter.v[3] = base + call;
    const Philox4 r = philox4x32_10(counter, k0, k1);
    for (int c = 0; c < 4; ++c) {
      candidate = static_cast<int32_t>(uniform_below(r.v[c], static_cast<uint32_t>(in.n_items)));
      if (!sorted_contains(seen, n_seen, pool_item(in, candidate))) return pool_item(in, candidate);
    }
  }
  for (int32_t step = 1; step < in.n_items; ++step) {
    const int32_t next = (candidate + step) % in.n_items;
    if (!sorted_contains(seen, n_seen, pool_item(in, next))) return pool_item(in, next);
  }
  return pool_item(in, candidate);
}

MMGRAPH_HD void sample_bpr_triple(const SamplerInputs& in, const FeistelPermutation& perm,
                                  uint64_t seed, uint64_t epoch, int64_t j, int32_t& user,
                                  int32_t& pos, int32_t& neg) {
  const int64_t k = static_cast<int64_t>(perm(static_cast<uint64_t>(j)));
  user = in.pair_user[k];
  pos = in.pair_item[k];
  neg = draw_unseen_item(in, user,
                         Philox4{{lo32(static_cast<uint64_t>(j)), hi32(static_cast<uint64_t>(j)), lo32(epoch), 0}},
                         lo32(seed), hi32(seed) ^ 0x6E656700u);
}

// Candidate t of position j (negative_sampler.h): counter (j, epoch, t * kNegativeCalls + call)
// under a key that differs from the triple sampler's in its high word.
MMGRAPH_HD int32_t sample_negative_candidate(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t j,
                                             int32_t user, uint32_t t) {
  return draw_unseen_item(in, user,
                          Philox4{{lo32(static_cast<uint64_t>(j)), hi32(static_cast<uint64_t>(j)), lo32(epoch),
                                   t * kNegativeCalls}},
                          lo32(seed), hi32(seed) ^ 0x57415250u);
}

// Arguments under which sample_negatives_* cannot draw (no items to draw from, or t * kNegativeCalls
// past 32 bits) are rejected by both twins with the same message.
inline void check_negative_sampler_args(const SamplerInputs& in, int64_t count, int n_candidates, const char* who) {
  if (count < 0 || n_candidates < 0 || n_candidates > (1 << 27))
    throw Error(std::string(who) + ": count " + std::to_string(count) + " and n_candidates " +
                std::to_string(n_candidates) + " must be >= 0 (n_candidates <= 2^27)");
  if (count > 0 && n_candidates > 0 && in.n_items <= 0)
    throw Error(std::string(who) + ": no items to draw negatives from");
}

}  // namespace mmgraph::kernels
