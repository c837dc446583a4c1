// CUDA BPR triple sampler: one thread per position runs the rule shared with
// the CPU (sampler_rule.h), so both backends draw identical triples.
#include "kernels/cuda_check.h"
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

namespace {

__global__ void sample_triples(SamplerInputs in, FeistelPermutation perm, uint64_t seed, uint64_t epoch,
                               int64_t first, int64_t count, int32_t* users, int32_t* pos, int32_t* neg) {
  const int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b < count) sample_bpr_triple(in, perm, seed, epoch, first + b, users[b], pos[b], neg[b]);
}

}  // namespace

void sample_bpr_triples_cuda(const SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                             int32_t* users, int32_t* pos, int32_t* neg, cudaStream_t stream) {
  if (count == 0) return;
  constexpr int kBlock = 128;
  const FeistelPermutation perm = make_feistel_permutation(seed, epoch, static_cast<uint64_t>(in.n_pairs));
  sample_triples<<<static_cast<unsigned>(cuda::div_round_up<int64_t>(count, kBlock)), kBlock, 0, stream>>>(
      in, perm, seed, epoch, first, count, users, pos, neg);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

}  // namespace mmgraph::kernels
