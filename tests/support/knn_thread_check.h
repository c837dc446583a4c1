#pragma once
// The CPU kNN ops' output must not depend on the thread count: one check for every op.
#include <cblas.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdint>
#include <vector>

namespace mmgraph::testing {

// Runs `op(idx, sim)` (lists [n x k]) with 1, 2 and 3 OpenMP and OpenBLAS threads and expects the
// same ids and cosines each time; restores both thread counts after.
template <typename Op>
void expect_same_knn_for_any_thread_count(int64_t n, int k, Op op) {
  const int omp_threads = omp_get_max_threads(), blas_threads = openblas_get_num_threads();
  std::vector<int32_t> idx0;
  std::vector<float> sim0;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    std::vector<int32_t> idx(static_cast<size_t>(n * k));
    std::vector<float> sim(static_cast<size_t>(n * k));
    op(idx.data(), sim.data());
    if (idx0.empty()) {
      idx0 = idx;
      sim0 = sim;
      continue;
    }
    EXPECT_EQ(idx, idx0) << threads << " threads";
    EXPECT_EQ(sim, sim0) << threads << " threads";
  }
  omp_set_num_threads(omp_threads);
  openblas_set_num_threads(blas_threads);
}

}  // namespace mmgraph::testing
