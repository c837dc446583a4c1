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
  // Outside these the permutation's cycle walk or the negative draw never ends.
  if (first < 0 || count < 0 || first + count > in.n_pairs || in.n_items <= 0)
    throw Error("sample_bpr_triples_cuda: positions [" + std::to_string(first) + ", " + std::to_string(first + count) +
                ") outside the " + std::to_string(in.n_pairs) + " training pairs, or no items");
  const FeistelPermutation perm = make_feistel_permutation(seed, epoch, static_cast<uint64_t>(in.n_pairs));
  cuda::launch("sample_triples", &sample_triples, count, 128, stream, in, perm, seed, epoch, first, count, users, pos,
               neg);
}

}  // namespace mmgraph::kernels
