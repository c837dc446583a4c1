// CUDA negative sampler: the rule shared with the CPU (sampler_rule.h), so both
// backends draw identical candidates.
#include "kernels/cuda_check.h"
#include "kernels/negative_sampler.h"
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

namespace {

// One thread per candidate e = r * n_candidates + t: the draws are independent
// and short, and consecutive threads write consecutive candidates.
__global__ void sample_negative_candidates(SamplerInputs in, uint64_t seed, uint64_t epoch, int64_t first,
                                           int64_t count, const int32_t* users, int n_candidates, int32_t* cand) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= count * n_candidates) return;
  const int64_t r = e / n_candidates;
  const auto t = static_cast<uint32_t>(e % n_candidates);
  cand[e] = sample_negative_candidate(in, seed, epoch, first + r, users[r], t);
}

}  // namespace

void sample_negatives_cuda(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                           const int32_t* users, int n_candidates, int32_t* cand, cudaStream_t stream) {
  check_negative_sampler_args(in, count, n_candidates, "sample_negatives_cuda");
  cuda::launch("sample_negative_candidates", &sample_negative_candidates, count * n_candidates, 128, stream, in, seed,
               epoch, first, count, users, n_candidates, cand);
}

}  // namespace mmgraph::kernels
