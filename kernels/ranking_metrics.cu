// CUDA ranking metrics: one thread per user row computes its metrics at every
// cut-off in double and adds them into the device sums with atomics.
#include <cmath>

#include "kernels/cuda_check.h"
#include "kernels/ranking_metrics.h"
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

namespace {

constexpr int kMaxCutoffs = 8;

struct Cutoffs {
  int k[kMaxCutoffs];
  int n;
};

__global__ void ranking_metrics_rows(int64_t n_rows, int k, const int32_t* __restrict__ topk_idx, int64_t first_user,
                                     CsrView truth, Cutoffs cut, double* sums, unsigned long long* n_counted) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n_rows) return;
  const int64_t user = first_user + r;
  const int32_t* t = truth.col + truth.row_ptr[user];
  const int64_t n_truth = truth.row_ptr[user + 1] - truth.row_ptr[user];
  if (n_truth == 0) return;
  atomicAdd(n_counted, 1ull);
  for (int c = 0; c < cut.n; ++c) {
    double hits = 0, dcg = 0, idcg = 0, ap = 0;
    for (int s = 0; s < cut.k[c]; ++s) {
      const int32_t item = topk_idx[r * k + s];
      const double discount = 1.0 / log2(static_cast<double>(s) + 2.0);
      if (s < n_truth) idcg += discount;
      if (item >= 0 && sorted_contains(t, n_truth, item)) {
        hits += 1;
        dcg += discount;
        ap += hits / static_cast<double>(s + 1);
      }
    }
    const double denom = static_cast<double>(n_truth < cut.k[c] ? n_truth : cut.k[c]);
    atomicAdd(sums + 0 * cut.n + c, hits / static_cast<double>(n_truth));
    atomicAdd(sums + 1 * cut.n + c, dcg / idcg);
    atomicAdd(sums + 2 * cut.n + c, hits / cut.k[c]);
    atomicAdd(sums + 3 * cut.n + c, hits > 0 ? 1.0 : 0.0);
    atomicAdd(sums + 4 * cut.n + c, ap / denom);
  }
}

}  // namespace

void ranking_metrics_cuda(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user, const CsrView& truth,
                          const int* cutoffs, int n_cutoffs, double* sums, unsigned long long* n_counted,
                          cudaStream_t stream) {
  if (n_rows == 0) return;
  if (n_cutoffs > kMaxCutoffs) throw Error("ranking_metrics_cuda: at most " + std::to_string(kMaxCutoffs) + " cut-offs");
  Cutoffs cut{};
  cut.n = n_cutoffs;
  for (int c = 0; c < n_cutoffs; ++c) cut.k[c] = cutoffs[c];
  constexpr int kBlock = 128;
  ranking_metrics_rows<<<static_cast<unsigned>(cuda::div_round_up<int64_t>(n_rows, kBlock)), kBlock, 0, stream>>>(
      n_rows, k, topk_idx, first_user, truth, cut, sums, n_counted);
  MMGRAPH_CUDA_CHECK_LAUNCH(stream);
}

}  // namespace mmgraph::kernels
