// CPU loop over (example, candidate); the rule itself lives in sampler_rule.h.
#include "kernels/negative_sampler.h"

#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

void sample_negatives_cpu(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                          const int32_t* users, int n_candidates, int32_t* cand) {
  check_negative_sampler_args(in, count, n_candidates, "sample_negatives_cpu");
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < count; ++r)
    for (int t = 0; t < n_candidates; ++t)
      cand[r * n_candidates + t] =
          sample_negative_candidate(in, seed, epoch, first + r, users[r], static_cast<uint32_t>(t));
}

}  // namespace mmgraph::kernels
