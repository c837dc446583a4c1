// CUDA ranking metrics: one block of threads walks the rows (thread t takes rows
// t, t + block, ...), each row's metrics at every cut-off are computed in
// double in one pass over its top-K list and added as exact fixed-point terms
// (MetricSum), and the per-thread sums are reduced by a block reduction before
// one thread adds them into the device sums. Integer sums: the same bits as the
// CPU's for the same row values, in any order. (A
// user block is at most a few thousand rows of K <= 100 entries; one block
// handles that in microseconds, next to the GEMM and top-K of the same block.)
#include <cub/block/block_reduce.cuh>

#include <cmath>

#include "kernels/cuda_check.h"
#include "kernels/ranking_metrics.h"
#include "kernels/sampler_rule.h"

namespace mmgraph::kernels {

namespace {

constexpr int kBlock = 512;

struct Cutoffs {
  int k[kMaxCutoffs];
  int n;
};

__global__ void __launch_bounds__(kBlock)
    ranking_metrics_rows(int64_t n_rows, int k, const int32_t* __restrict__ topk_idx, int64_t first_user,
                         CsrView truth, Cutoffs cut, MetricSum* sums, int64_t* n_counted) {
  MetricSum local[kRankingMetrics * kMaxCutoffs];
  for (int q = 0; q < kRankingMetrics * kMaxCutoffs; ++q) local[q] = 0;
  unsigned long long counted = 0;
  int k_max = 0;
  for (int c = 0; c < cut.n; ++c) k_max = max(k_max, cut.k[c]);

  for (int64_t r = threadIdx.x; r < n_rows; r += kBlock) {
    const int64_t user = first_user + r;
    const int32_t* t = truth.col + truth.row_ptr[user];
    const int64_t n_truth = truth.row_ptr[user + 1] - truth.row_ptr[user];
    if (n_truth == 0) continue;
    ++counted;
    // The same operations in the same order as ranking_metrics_cpu, which
    // restarts at s = 0 for every cut-off: the running sums after position
    // K - 1 are the sums of cut-off K.
    double hits = 0, dcg = 0, idcg = 0, ap = 0;
    for (int s = 0; s < k_max; ++s) {
      const int32_t item = topk_idx[r * k + s];
      const double discount = 1.0 / log2(static_cast<double>(s) + 2.0);
      if (s < n_truth) idcg += discount;
      if (item >= 0 && sorted_contains(t, n_truth, item)) {
        hits += 1;
        dcg += discount;
        ap += hits / static_cast<double>(s + 1);
      }
      for (int c = 0; c < cut.n; ++c) {
        if (cut.k[c] != s + 1) continue;
        const double denom = static_cast<double>(n_truth < cut.k[c] ? n_truth : cut.k[c]);
        local[0 * cut.n + c] += metric_sum_term(hits / static_cast<double>(n_truth));
        local[1 * cut.n + c] += metric_sum_term(dcg / idcg);
        local[2 * cut.n + c] += metric_sum_term(hits / cut.k[c]);
        local[3 * cut.n + c] += metric_sum_term(hits > 0 ? 1.0 : 0.0);
        local[4 * cut.n + c] += metric_sum_term(ap / denom);
      }
    }
  }

  using ReduceSum = cub::BlockReduce<MetricSum, kBlock>;
  using ReduceCount = cub::BlockReduce<unsigned long long, kBlock>;
  __shared__ union {
    typename ReduceSum::TempStorage d;
    typename ReduceCount::TempStorage c;
  } storage;
  for (int q = 0; q < kRankingMetrics * cut.n; ++q) {
    const MetricSum total = ReduceSum(storage.d).Sum(local[q]);
    if (threadIdx.x == 0) sums[q] += total;
    __syncthreads();
  }
  const unsigned long long total = ReduceCount(storage.c).Sum(counted);
  if (threadIdx.x == 0) *n_counted += static_cast<int64_t>(total);
}

}  // namespace

void ranking_metrics_cuda(int64_t n_rows, int k, const int32_t* topk_idx, int64_t first_user, const CsrView& truth,
                          const int* cutoffs, int n_cutoffs, MetricSum* sums, int64_t* n_counted,
                          cudaStream_t stream) {
  if (n_rows == 0) return;
  if (n_cutoffs < 1 || n_cutoffs > kMaxCutoffs)
    throw Error("ranking_metrics_cuda: 1 to " + std::to_string(kMaxCutoffs) + " cut-offs, got " +
                std::to_string(n_cutoffs));
  Cutoffs cut{};
  cut.n = n_cutoffs;
  for (int c = 0; c < n_cutoffs; ++c) {
    if (cutoffs[c] < 1 || cutoffs[c] > k)
      throw Error("ranking_metrics_cuda: cut-off " + std::to_string(cutoffs[c]) + " outside 1.." + std::to_string(k));
    cut.k[c] = cutoffs[c];
  }
  cuda::launch("ranking_metrics_rows", &ranking_metrics_rows, kBlock, kBlock, stream, n_rows, k, topk_idx, first_user,
               truth, cut, sums, n_counted);
}

}  // namespace mmgraph::kernels
