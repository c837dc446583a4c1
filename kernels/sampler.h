#pragma once
// BPR triple sampling from a counter-based RNG. For epoch e the n training
// pairs are visited in the order of a Feistel permutation keyed by (seed, e);
// position j gives pair perm(j) = (user, positive item), and the negative item
// is the first of the Philox candidates drawn from counter (j, e, attempt) that
// is not a training item of the user. The triples of step t are the positions
// [t B, min((t+1) B, n)): a pure function of (seed, epoch, t), identical on the
// CPU and the GPU and for any number of ranks.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

struct SamplerInputs {
  int64_t n_pairs = 0;
  const int32_t* pair_user = nullptr;  // [n_pairs] user of training pair k
  const int32_t* pair_item = nullptr;  // [n_pairs] item of training pair k
  const int64_t* train_row_ptr = nullptr;  // [U+1] training items per user, sorted
  const int32_t* train_col = nullptr;
  int32_t n_items = 0;                 // negatives are drawn from [0, n_items) ...
  // ... or, when set, from item_pool[0 .. n_items): e.g. the items that occur in
  // training, which is where MMRec draws its negatives (an item never seen in
  // training is then never pushed down as a negative either).
  const int32_t* item_pool = nullptr;
};

// Random candidates tried before the sampler walks from the last candidate to
// the next item the user has not seen (only users who saw most items get there;
// a user who saw every item gets the last candidate).
inline constexpr int kMaxNegativeCandidates = 64;

// Writes count triples for positions first .. first+count-1 of epoch `epoch`.
void sample_bpr_triples_cpu(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first,
                            int64_t count, int32_t* users, int32_t* pos, int32_t* neg);

void sample_bpr_triples_cuda(const SamplerInputs& in, uint64_t seed, uint64_t epoch,
                             int64_t first, int64_t count, int32_t* users, int32_t* pos,
                             int32_t* neg, cudaStream_t stream);

}  // namespace mmgraph::kernels
