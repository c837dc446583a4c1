#pragma once
// Several sampled negatives per example (WARP, BCE with sampled negatives):
// candidate t of example r is the item drawn for position first + r of `epoch`
// by the rejection rule of the BPR triple sampler (kernels/sampler_rule.h), from
// Philox counter (first + r, epoch, t, call) under a key stream distinct from
// the triple sampler's. A candidate is never a training item of the user (unless
// the user has seen every item), candidates of one example may repeat, and the
// result is a pure function of (seed, epoch, position, t): the same on the CPU
// and the GPU and for any split of the positions into chunks.
#include <cstdint>

#include "kernels/common.h"
#include "kernels/sampler.h"

namespace mmgraph::kernels {

// n_candidates negatives for each of `count` examples (users[r] is example r's user, as drawn by
// sample_bpr_triples_* for positions first..first+count-1 of `epoch`): cand[r*n_candidates + t] is an item that
// is not a training item of the user, drawn by Philox from counter (first + r, epoch, t, ...) with a key stream
// distinct from the triple sampler's, with the same rejection rule.
// users [count], cand [count x n_candidates]; 0 <= n_candidates <= 2^27. Throws mmgraph::Error when there
// is something to draw and in.n_items <= 0.
void sample_negatives_cpu(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                          const int32_t* users, int n_candidates, int32_t* cand);

// CUDA twin: users, cand and the training CSR of `in` on the device; draws exactly the CPU's items.
void sample_negatives_cuda(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                           const int32_t* users, int n_candidates, int32_t* cand, cudaStream_t stream);

}  // namespace mmgraph::kernels
