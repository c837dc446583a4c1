#pragma once
// A process's rows of a square CSR, as a run split over processes holds them: rows [first, last)
// with their columns renumbered to local rows (the block's own rows, then its halo rows: the other
// columns they reference, ascending), for tests of the layer-at-a-time propagation.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace mmgraph::testing {

struct RowBlock {
  kernels::CsrHost local;
  std::vector<int64_t> rows;  // global row of each local row: own rows, then halo rows
};

inline RowBlock row_block_with_halo(const kernels::CsrHost& a, int64_t first, int64_t last) {
  RowBlock b;
  for (int64_t r = first; r < last; ++r) b.rows.push_back(r);
  std::vector<int64_t> halo;
  for (int64_t k = a.row_ptr[first]; k < a.row_ptr[last]; ++k)
    if (a.col[k] < first || a.col[k] >= last) halo.push_back(a.col[k]);
  std::sort(halo.begin(), halo.end());
  halo.erase(std::unique(halo.begin(), halo.end()), halo.end());
  b.rows.insert(b.rows.end(), halo.begin(), halo.end());
  b.local.n_rows = last - first;
  b.local.n_cols = static_cast<int64_t>(b.rows.size());
  b.local.row_ptr.push_back(0);
  for (int64_t r = first; r < last; ++r) {
    for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      const int64_t c = a.col[k];
      const int64_t local = c >= first && c < last
                                ? c - first
                                : (last - first) + (std::lower_bound(halo.begin(), halo.end(), c) - halo.begin());
      b.local.col.push_back(static_cast<int32_t>(local));
      b.local.val.push_back(a.val[k]);
    }
    b.local.row_ptr.push_back(static_cast<int64_t>(b.local.col.size()));
  }
  return b;
}

}  // namespace mmgraph::testing
