// CPU loop over sampler positions; the rule itself lives in sampler_rule.h.
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

void sample_bpr_triples_cpu(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first,
                            int64_t count, int32_t* users, int32_t* pos, int32_t* neg) {
  const FeistelPermutation perm = make_feistel_permutation(seed, epoch, static_cast<uint64_t>(in.n_pairs));
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < count; ++b)
    sample_bpr_triple(in, perm, seed, epoch, first + b, users[b], pos[b], neg[b]);
}

}  // namespace mmgraph::kernels
