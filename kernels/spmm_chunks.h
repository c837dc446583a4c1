#pragma once
// The non-zero chunking of the CUDA SpMM (spmm_device.cuh), as host/device
// functions so that the CPU test suite can check the decomposition: every
// non-zero is visited by exactly one chunk, every row is finished exactly once
// (by its chunk when it is whole, by the fixup of its first boundary when
// split), and every partial sum the fixup reads was written by exactly one chunk.
#include <cstdint>

#include "kernels/common.h"

namespace mmgraph::kernels {

// First index r in [0, n_rows] with row_ptr[r] >= k.
MMGRAPH_HD int64_t csr_lower_bound_row(const CsrView& a, int64_t k) {
  int64_t lo = 0, hi = a.n_rows + 1;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (a.row_ptr[mid] < k) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// First row chunk w touches: the row containing its first non-zero (which may
// have started in an earlier chunk), or the first row starting at it.
MMGRAPH_HD int64_t chunk_first_row(const CsrView& a, int64_t chunk, int64_t w) {
  const int64_t k0 = w * chunk;
  int64_t r = csr_lower_bound_row(a, k0);
  if (r > 0 && k0 < a.nnz && (r > a.n_rows || a.row_ptr[r] > k0)) --r;
  return r;
}

// Whether chunk w (ending at k1) still owns row r, visited in increasing order
// from chunk_first_row: rows starting before k1, and for the last chunk also
// the empty rows at the very end.
MMGRAPH_HD bool chunk_owns_row(const CsrView& a, int64_t k1, bool last_chunk, int64_t r) {
  if (r >= a.n_rows) return false;
  const int64_t begin = a.row_ptr[r];
  return begin < k1 || (last_chunk && begin == a.nnz);
}

// The split row cut by boundary b (a multiple of the chunk, 0 < b < nnz) when b
// is the first boundary inside it, else -1. Each split row has exactly one.
MMGRAPH_HD int64_t split_row_at(const CsrView& a, int64_t chunk, int64_t b) {
  const int64_t r_lo = csr_lower_bound_row(a, b);
  if (a.row_ptr[r_lo] == b) return -1;  // a row starts at b: b cuts nothing
  const int64_t r = r_lo - 1;           // row_ptr[r] < b < row_ptr[r + 1]
  return a.row_ptr[r] >= b - chunk ? r : -1;
}

// Where chunk [k0, k1) puts its sum over row [begin, end): -1 when the row is
// whole inside the chunk (the chunk finishes it), else the partial-sum slot:
// 0 ("head") for a row that started in an earlier chunk, 1 ("tail") for a row
// that starts in this chunk and continues into the next. A chunk has at most
// one row of each kind (its first and its last row).
MMGRAPH_HD int chunk_row_slot(int64_t begin, int64_t end, int64_t k0, int64_t k1) {
  if (begin < k0) return 0;
  return end > k1 ? 1 : -1;
}

// Partial sums live in scratch as [n_chunks x 2 x d]; this is the row index
// (in units of d) of slot `slot` of chunk w.
MMGRAPH_HD int64_t chunk_partial_row(int64_t w, int slot) { return 2 * w + slot; }

// The split row r found at boundary (w_first + 1) * chunk starts in chunk
// w_first and ends in chunk (row_end - 1) / chunk: it has one partial per chunk
// it touches. Partial i (in chunk order) is the tail slot of w_first for i = 0
// and the head slot of chunk w_first + i after that.
MMGRAPH_HD int64_t split_row_partial_count(const CsrView& a, int64_t chunk, int64_t w_first, int64_t r) {
  return (a.row_ptr[r + 1] - 1) / chunk - w_first + 1;
}
MMGRAPH_HD int64_t split_row_partial_row(int64_t w_first, int64_t i) {
  return i == 0 ? chunk_partial_row(w_first, 1) : chunk_partial_row(w_first + i, 0);
}

}  // namespace mmgraph::kernels
