// The CUDA SpMM's non-zero chunking, checked on the CPU: for every chunk size,
// each non-zero is visited once, whole rows are finished by exactly one chunk,
// and split rows are exactly those found once by split_row_at.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "kernels/spmm_chunks.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

void check_decomposition(const kernels::CsrHost& host, int64_t chunk) {
  const kernels::CsrView a = host.view();
  const int64_t n_chunks = std::max<int64_t>(1, (a.nnz + chunk - 1) / chunk);
  std::vector<int> visits(static_cast<size_t>(a.nnz), 0), full_finishes(static_cast<size_t>(a.n_rows), 0),
      partial_segments(static_cast<size_t>(a.n_rows), 0), fixups(static_cast<size_t>(a.n_rows), 0);
  for (int64_t w = 0; w < n_chunks; ++w) {
    const int64_t k0 = w * chunk, k1 = std::min(k0 + chunk, a.nnz);
    for (int64_t r = kernels::chunk_first_row(a, chunk, w); kernels::chunk_owns_row(a, k1, w == n_chunks - 1, r); ++r) {
      const int64_t begin = a.row_ptr[r], end = a.row_ptr[r + 1];
      for (int64_t k = std::max(begin, k0); k < std::min(end, k1); ++k) ++visits[k];
      if (begin >= k0 && end <= k1) ++full_finishes[r];
      else ++partial_segments[r];
    }
  }
  for (int64_t b = 1; b < n_chunks; ++b) {
    const int64_t r = kernels::split_row_at(a, chunk, b * chunk);
    if (r >= 0) ++fixups[r];
  }
  for (int64_t k = 0; k < a.nnz; ++k) ASSERT_EQ(visits[k], 1) << "non-zero " << k << " chunk " << chunk;
  for (int64_t r = 0; r < a.n_rows; ++r) {
    const bool split = partial_segments[r] > 0;
    ASSERT_EQ(full_finishes[r] + fixups[r], 1) << "row " << r << " chunk " << chunk;
    ASSERT_EQ(fixups[r], split ? 1 : 0) << "row " << r << " chunk " << chunk;
    if (split) {
      ASSERT_GE(partial_segments[r], 2) << "row " << r;
    }
  }
}

TEST(SpmmChunks, EveryNonZeroOnceEveryRowFinishedOnce) {
  const uint64_t seed = testing::fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const auto& [rows, cols, deg, hub] : {std::tuple<int64_t, int64_t, double, int64_t>{0, 5, 2, 0}, {1, 1, 1, 1},
                                             {7, 3, 0.01, 0}, {33, 31, 3, 31}, {1007, 517, 8, 517},
                                             {300, 20000, 5, 20000}}) {
    const auto a = testing::random_csr(rows, cols, deg, seed, rows > 2 ? 2 : -1, hub);
    for (int64_t chunk : {1, 2, 3, 32, 64, 4096}) check_decomposition(a, chunk);
  }
}

TEST(SpmmChunks, EmptyRowsAtChunkBoundariesAndAtTheEnd) {
  // Rows: [2 nnz], [], [], [2 nnz], [], [] with chunk 2: empty rows start exactly at boundaries.
  kernels::CsrHost a;
  a.n_rows = 6;
  a.n_cols = 4;
  a.row_ptr = {0, 2, 2, 2, 4, 4, 4};
  a.col = {0, 1, 2, 3};
  a.val = {1, 1, 1, 1};
  for (int64_t chunk : {1, 2, 3, 4, 8}) check_decomposition(a, chunk);
}

}  // namespace
}  // namespace mmgraph
