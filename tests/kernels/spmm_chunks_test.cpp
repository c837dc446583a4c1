// The CUDA SpMM's non-zero chunking, checked on the CPU: for every chunk size,
// each non-zero is visited once, whole rows are finished by exactly one chunk,
// split rows are exactly those found once by split_row_at, and their per-chunk
// partial sums are written and read exactly once and add up to A x.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "kernels/spmm_chunks.h"
#include "support/random_inputs.h"

namespace mmgraph {
namespace {

// Runs the CUDA SpMM's decomposition sequentially in double: each chunk sums
// its part of every row it owns and either finishes the row or stores a
// partial in the slot chunk_row_slot names; each boundary's fixup sums the
// partials of its split row in the order the kernel uses. Checks that every
// non-zero is used once, every row finished once, every partial the fixup
// reads written once (by one chunk) and read once, and that the result is A x.
void check_decomposition(const kernels::CsrHost& host, int64_t chunk) {
  const kernels::CsrView a = host.view();
  const int64_t n_chunks = std::max<int64_t>(1, (a.nnz + chunk - 1) / chunk);
  constexpr int64_t d = 2;
  std::vector<double> x(static_cast<size_t>(a.n_cols * d));
  for (size_t e = 0; e < x.size(); ++e) x[e] = 1.0 + static_cast<double>(e % 7) * 0.25;
  std::vector<int> visits(static_cast<size_t>(a.nnz), 0), full_finishes(static_cast<size_t>(a.n_rows), 0),
      partial_segments(static_cast<size_t>(a.n_rows), 0), fixups(static_cast<size_t>(a.n_rows), 0);
  std::vector<int> partial_writes(static_cast<size_t>(2 * n_chunks), 0), partial_reads(static_cast<size_t>(2 * n_chunks), 0);
  std::vector<double> partials(static_cast<size_t>(2 * n_chunks * d), 0.0), y(static_cast<size_t>(a.n_rows * d), 0.0);
  for (int64_t w = 0; w < n_chunks; ++w) {
    const int64_t k0 = w * chunk, k1 = std::min(k0 + chunk, a.nnz);
    int slots_used[2] = {0, 0};
    for (int64_t r = kernels::chunk_first_row(a, chunk, w); kernels::chunk_owns_row(a, k1, w == n_chunks - 1, r); ++r) {
      const int64_t begin = a.row_ptr[r], end = a.row_ptr[r + 1];
      double sum[d] = {0.0, 0.0};
      for (int64_t k = std::max(begin, k0); k < std::min(end, k1); ++k) {
        ++visits[k];
        for (int64_t j = 0; j < d; ++j) sum[j] += a.val[k] * x[a.col[k] * d + j];
      }
      const int slot = kernels::chunk_row_slot(begin, end, k0, k1);
      ASSERT_EQ(slot < 0, begin >= k0 && end <= k1) << "row " << r << " chunk " << chunk;
      if (slot < 0) {
        ++full_finishes[r];
        for (int64_t j = 0; j < d; ++j) y[r * d + j] = sum[j];
      } else {
        ++partial_segments[r];
        ASSERT_EQ(++slots_used[slot], 1) << "chunk " << w << " uses slot " << slot << " twice (chunk " << chunk << ")";
        const int64_t p = kernels::chunk_partial_row(w, slot);
        ++partial_writes[p];
        for (int64_t j = 0; j < d; ++j) partials[p * d + j] = sum[j];
      }
    }
  }
  for (int64_t w_first = 0; w_first + 1 < n_chunks; ++w_first) {
    const int64_t r = kernels::split_row_at(a, chunk, (w_first + 1) * chunk);
    if (r < 0) continue;
    ++fixups[r];
    const int64_t n_parts = kernels::split_row_partial_count(a, chunk, w_first, r);
    ASSERT_EQ(n_parts, partial_segments[r]) << "row " << r << " chunk " << chunk;
    for (int64_t i = 0; i < n_parts; ++i) {
      const int64_t p = kernels::split_row_partial_row(w_first, i);
      ASSERT_LT(p, 2 * n_chunks);
      ASSERT_EQ(partial_writes[p], 1) << "row " << r << " reads partial " << p << " not written once (chunk " << chunk << ")";
      ++partial_reads[p];
      for (int64_t j = 0; j < d; ++j) y[r * d + j] += partials[p * d + j];
    }
  }
  for (int64_t k = 0; k < a.nnz; ++k) ASSERT_EQ(visits[k], 1) << "non-zero " << k << " chunk " << chunk;
  for (int64_t p = 0; p < 2 * n_chunks; ++p)
    ASSERT_EQ(partial_reads[p], partial_writes[p]) << "partial " << p << " chunk " << chunk;
  for (int64_t r = 0; r < a.n_rows; ++r) {
    const bool split = partial_segments[r] > 0;
    ASSERT_EQ(full_finishes[r] + fixups[r], 1) << "row " << r << " chunk " << chunk;
    ASSERT_EQ(fixups[r], split ? 1 : 0) << "row " << r << " chunk " << chunk;
    if (split) {
      ASSERT_GE(partial_segments[r], 2) << "row " << r;
    }
    for (int64_t j = 0; j < d; ++j) {
      double ref = 0;
      for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) ref += a.val[k] * x[a.col[k] * d + j];
      ASSERT_NEAR(y[r * d + j], ref, 1e-9 * (1.0 + std::fabs(ref))) << "row " << r << " chunk " << chunk;
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
