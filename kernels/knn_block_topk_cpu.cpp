// CPU reference of the block kNN op: OpenMP over the row tiles of global ids that meet the query
// rows; each thread normalises its tile's query rows (zero rows for the others), and per column tile
// that meets the block the block's rows likewise, multiplies the two with the whole op's
// single-threaded SGEMM of the whole tile's shape, and merges the part of the tile that pairs its
// query rows with the block's candidates into their lists.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/knn_block_topk.h"
#include "kernels/knn_rule.h"
#include "kernels/knn_tile_cpu.h"

namespace mmgraph::kernels {

namespace {

// dst [tile_rows x dim] := the tile of global rows tile0 .. tile0 + tile_rows - 1, of which rows
// lo .. hi - 1 are normalised from src (global row first at src[0]) and the others zero.
void fill_tile(int64_t tile0, int64_t tile_rows, int64_t lo, int64_t hi, int64_t dim, const float* src, int64_t first,
               float* dst) {
  std::fill(dst, dst + (lo - tile0) * dim, 0.0f);
  for (int64_t g = lo; g < hi; ++g) knn_cpu::normalize_row(dim, src + (g - first) * dim, dst + (g - tile0) * dim);
  std::fill(dst + (hi - tile0) * dim, dst + tile_rows * dim, 0.0f);
}

}  // namespace

void knn_topk_start_cpu(int64_t n_rows, int k, int32_t* idx, float* sim) {
  std::fill_n(idx, n_rows * k, -1);
  std::fill_n(sim, n_rows * k, -INFINITY);
}

void knn_block_topk_cpu(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                        int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx, float* sim) {
  const char* who = "knn_block_topk_cpu";
  knn_check_block_args(who, n, row_first, n_rows, col_first, n_cols);
  if (n_rows == 0 || n_cols == 0) return;
  knn_check_args(who, n, dim, k);
  const knn_cpu::OpenBlasSingleThreaded single_threaded_blas;
  const int64_t rtile = knn_cpu::row_tile(n), ctile = knn_cpu::col_tile(n);
  const int64_t row_end = row_first + n_rows, col_end = col_first + n_cols;
  const int64_t row_begin = row_first / rtile * rtile, col_begin = col_first / ctile * ctile;
#pragma omp parallel
  {
    std::vector<float> a(static_cast<size_t>(rtile * dim)), b(static_cast<size_t>(ctile * dim));
    std::vector<float> tile(static_cast<size_t>(rtile * ctile));
#pragma omp for schedule(dynamic, 1)
    for (int64_t row0 = row_begin; row0 < row_end; row0 += rtile) {
      const int64_t rows = std::min(rtile, n - row0);
      const int64_t lo = std::max(row0, row_first), hi = std::min(row0 + rows, row_end);
      fill_tile(row0, rows, lo, hi, dim, query, row_first, a.data());
      for (int64_t col0 = col_begin; col0 < col_end; col0 += ctile) {
        const int64_t cols = std::min(ctile, n - col0);
        const int64_t c_lo = std::max(col0, col_first), c_hi = std::min(col0 + cols, col_end);
        fill_tile(col0, cols, c_lo, c_hi, dim, block, col_first, b.data());
        knn_cpu::similarity_tile(rows, cols, dim, a.data(), b.data(), tile.data());
        for (int64_t g = lo; g < hi; ++g)
          knn_cpu::merge_row(tile.data() + (g - row0) * cols + (c_lo - col0), c_hi - c_lo, c_lo, k, k,
                             sim + (g - row_first) * k, idx + (g - row_first) * k);
      }
    }
  }
}

}  // namespace mmgraph::kernels
