// CPU reference of the block kNN op: OpenMP over the row tiles of global ids that meet the query
// rows; each thread normalises its tile's query rows (zero rows for the others), and per column
// tile that meets the block the block's rows likewise, and multiplies the two with the whole op's
// single-threaded SGEMM of the whole tile's shape and operand order: a tile on or above the diagonal
// (row tile < column tile) as query tile x block tile, read as it is; one below it as block tile x
// query tile (the whole op's mirrored tile), read transposed; the diagonal tile as one tile holding
// both the query rows and the block's rows times itself, read at (min, max) of each pair. It merges
// the part that pairs its query rows with the block's candidates into their lists.
#include <algorithm>
#include <vector>

#include "kernels/knn_block_topk.h"
#include "kernels/knn_rule.h"
#include "kernels/knn_tile_cpu.h"

namespace mmgraph::kernels {

namespace {

// Rows lo .. hi - 1 of the tile dst [. x dim] of global rows tile0 ..: normalised from src (global
// row first at src[0]).
void normalize_rows(int64_t tile0, int64_t lo, int64_t hi, int64_t dim, const float* src, int64_t first, float* dst) {
  for (int64_t g = lo; g < hi; ++g) knn_cpu::normalize_row(dim, src + (g - first) * dim, dst + (g - tile0) * dim);
}

// dst [tile_rows x dim] := the tile of global rows tile0 .. tile0 + tile_rows - 1, of which rows
// lo .. hi - 1 are normalised from src (global row first at src[0]) and the others zero.
void fill_tile(int64_t tile0, int64_t tile_rows, int64_t lo, int64_t hi, int64_t dim, const float* src, int64_t first,
               float* dst) {
  std::fill(dst, dst + tile_rows * dim, 0.0f);
  normalize_rows(tile0, lo, hi, dim, src, first, dst);
}

}  // namespace

void knn_topk_start_cpu(int64_t n_rows, int k, int32_t* idx, float* sim) { knn_cpu::start_lists(n_rows, k, idx, sim); }

void knn_block_topk_cpu(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                        int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx, float* sim) {
  const char* who = "knn_block_topk_cpu";
  knn_check_block_args(who, n, row_first, n_rows, col_first, n_cols);
  if (n_rows == 0 || n_cols == 0) return;
  knn_check_args(who, n, dim, k);
  const knn_cpu::OpenBlasSingleThreaded single_threaded_blas;
  const int64_t t = knn_cpu::tile_size(n);
  const int64_t row_end = row_first + n_rows, col_end = col_first + n_cols;
  const int64_t row_begin = row_first / t * t, col_begin = col_first / t * t;
#pragma omp parallel
  {
    std::vector<float> a(static_cast<size_t>(t * dim)), b(static_cast<size_t>(t * dim));
    std::vector<float> tile(static_cast<size_t>(t * t));
#pragma omp for schedule(dynamic, 1)
    for (int64_t row0 = row_begin; row0 < row_end; row0 += t) {
      const int64_t rows = std::min(t, n - row0);
      const int64_t lo = std::max(row0, row_first), hi = std::min(row0 + rows, row_end);
      fill_tile(row0, rows, lo, hi, dim, query, row_first, a.data());
      for (int64_t col0 = col_begin; col0 < col_end; col0 += t) {
        const int64_t cols = std::min(t, n - col0);
        const int64_t c_lo = std::max(col0, col_first), c_hi = std::min(col0 + cols, col_end);
        if (col0 > row0) {
          fill_tile(col0, cols, c_lo, c_hi, dim, block, col_first, b.data());
          knn_cpu::similarity_tile(rows, cols, dim, a.data(), b.data(), tile.data());
          for (int64_t g = lo; g < hi; ++g)
            knn_cpu::merge_line(tile.data() + (g - row0) * cols + (c_lo - col0), 1, c_hi - c_lo, c_lo, k,
                                sim + (g - row_first) * k, idx + (g - row_first) * k);
        } else if (col0 < row0) {
          fill_tile(col0, cols, c_lo, c_hi, dim, block, col_first, b.data());
          knn_cpu::similarity_tile(cols, rows, dim, b.data(), a.data(), tile.data());
          for (int64_t g = lo; g < hi; ++g)
            knn_cpu::merge_line(tile.data() + (c_lo - col0) * rows + (g - row0), rows, c_hi - c_lo, c_lo, k,
                                sim + (g - row_first) * k, idx + (g - row_first) * k);
        } else {
          // The diagonal tile: the query rows and the block's rows (the same items' features, so a row
          // in both is normalised alike), squared. Query row g takes the candidates before it from its
          // column above the diagonal and the others from its row.
          fill_tile(row0, rows, lo, hi, dim, query, row_first, b.data());
          normalize_rows(row0, c_lo, c_hi, dim, block, col_first, b.data());
          knn_cpu::similarity_tile(rows, rows, dim, b.data(), b.data(), tile.data());
          for (int64_t g = lo; g < hi; ++g) {
            const int64_t r = g - row0, before = std::min(c_hi, g), from = std::max(c_lo, g);
            float* list_sim = sim + (g - row_first) * k;
            int32_t* list_idx = idx + (g - row_first) * k;
            if (before > c_lo)
              knn_cpu::merge_line(tile.data() + (c_lo - row0) * rows + r, rows, before - c_lo, c_lo, k, list_sim,
                                  list_idx);
            if (c_hi > from)
              knn_cpu::merge_line(tile.data() + r * rows + (from - row0), 1, c_hi - from, from, k, list_sim, list_idx);
          }
        }
      }
    }
  }
}

}  // namespace mmgraph::kernels
