// CPU reference of the kNN op: a normalised copy of the rows (float, or bf16 for the bf16 op), then
// OpenMP over row tiles; the thread of row tile a multiplies it by every column tile b >= a with one
// single-threaded GEMM each, so that the cosine of each unordered pair is computed once, and merges
// every element into both rows' sorted k-lists: its row's, which live in the outputs (only this
// thread touches row tile a's lists until the end), and its column's, which go to the thread's own
// n x k lists (other threads may be merging into the same rows). Inside a diagonal tile only the
// elements on or above its diagonal are read. At the end each row's lists are merged into the
// output. Each list is the best k of the candidates merged into it under the strict order of
// knn_ranks_before, so the result is the best k of the row's n candidates whichever thread merged
// which: it does not depend on the thread count. OpenBLAS's result for an element depends on how a
// GEMM is split between its threads, so it is held to one thread during the op: the cosines then
// depend only on n and dim (the tile grid).
#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/knn_graph.h"
#include "kernels/knn_rule.h"
#include "kernels/knn_tile_cpu.h"

namespace mmgraph::kernels {

namespace {

using namespace knn_cpu;

// A thread's sorted k-lists of every row, for the cosines it merges as columns (empty until used).
struct ColumnLists {
  std::vector<int32_t> idx;
  std::vector<float> sim;
};

// Merges the similarity tile [rows x cols] of row tile row0 and column tile col0 (col0 > row0) into
// its rows' lists (the outputs) and its columns' (the thread's lists `cols_of`, started on first use).
void merge_off_diagonal(const float* tile, int64_t rows, int64_t cols, int64_t row0, int64_t col0, int64_t n, int k,
                        int32_t* out_idx, float* out_sim, ColumnLists& cols_of) {
  if (cols_of.idx.empty()) {
    cols_of.idx.resize(static_cast<size_t>(n * k));
    cols_of.sim.resize(static_cast<size_t>(n * k));
    start_lists(n, k, cols_of.idx.data(), cols_of.sim.data());
  }
  for (int64_t r = 0; r < rows; ++r)
    merge_line(tile + r * cols, 1, cols, col0, k, out_sim + (row0 + r) * k, out_idx + (row0 + r) * k);
  for (int64_t c = 0; c < cols; ++c)
    merge_line(tile + c, cols, rows, row0, k, cols_of.sim.data() + (col0 + c) * k, cols_of.idx.data() + (col0 + c) * k);
}

// Merges the diagonal tile [rows x rows] of rows row0 ..: row r takes its pairs with the rows before
// it from column r above the diagonal, and the others (itself included) from its own row.
void merge_diagonal(const float* tile, int64_t rows, int64_t row0, int k, int32_t* out_idx, float* out_sim) {
  for (int64_t r = 0; r < rows; ++r) {
    float* sim = out_sim + (row0 + r) * k;
    int32_t* idx = out_idx + (row0 + r) * k;
    merge_line(tile + r, rows, r, row0, k, sim, idx);
    merge_line(tile + r * rows + r, 1, rows - r, row0 + r, k, sim, idx);
  }
}

// The op on float (T = float) or bf16 (T = uint16_t) features, normalised into a copy of N: float
// rows (the float op) or bf16 rows (the bf16 op, each tile's rows widened to float for the SGEMM).
template <typename N, typename T>
void knn_cosine_topk_any(const char* who, int64_t n, int64_t dim, const T* features, int k, int32_t* out_idx,
                         float* out_sim) {
  if (n == 0) return;
  knn_check_args(who, n, dim, k);
  std::vector<N> xn(static_cast<size_t>(n * dim));
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) normalize_row(dim, features + r * dim, xn.data() + r * dim);
  start_lists(n, k, out_idx, out_sim);
  const OpenBlasSingleThreaded single_threaded_blas;
  const int64_t t = tile_size(n), tiles = (n + t - 1) / t;
  std::vector<ColumnLists> column_lists;
#pragma omp parallel
  {
#pragma omp single
    column_lists.resize(static_cast<size_t>(omp_get_num_threads()));
    ColumnLists& mine = column_lists[static_cast<size_t>(omp_get_thread_num())];
    std::vector<float> tile(static_cast<size_t>(t * t));
    std::vector<float> row_buf(std::is_same_v<N, float> ? 0 : static_cast<size_t>(t * dim)), col_buf(row_buf.size());
    // Row tile a has tiles - a tiles on or above the diagonal: the longest rows go first.
#pragma omp for schedule(dynamic, 1)
    for (int64_t a = 0; a < tiles; ++a) {
      const int64_t row0 = a * t, rows = std::min(t, n - row0);
      const float* row_tile = rows_as_float(xn.data() + row0 * dim, rows, dim, row_buf);
      for (int64_t b = a; b < tiles; ++b) {
        const int64_t col0 = b * t, cols = std::min(t, n - col0);
        const float* col_tile = b == a ? row_tile : rows_as_float(xn.data() + col0 * dim, cols, dim, col_buf);
        similarity_tile(rows, cols, dim, row_tile, col_tile, tile.data());
        if (b == a)
          merge_diagonal(tile.data(), rows, row0, k, out_idx, out_sim);
        else
          merge_off_diagonal(tile.data(), rows, cols, row0, col0, n, k, out_idx, out_sim, mine);
      }
    }
    // The implicit barrier above: every thread's lists are complete.
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (const ColumnLists& lists : column_lists) {
        if (lists.idx.empty()) continue;
        for (int e = 0; e < k && lists.idx[i * k + e] >= 0; ++e)
          insert_candidate(lists.sim[i * k + e], lists.idx[i * k + e], k, out_sim + i * k, out_idx + i * k);
      }
  }
}

}  // namespace

void knn_cosine_topk_cpu(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim) {
  knn_cosine_topk_any<float>("knn_cosine_topk_cpu", n, dim, features, k, out_idx, out_sim);
}

void knn_cosine_topk_bf16_cpu(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                              float* out_sim) {
  knn_cosine_topk_any<uint16_t>("knn_cosine_topk_bf16_cpu", n, dim, features, k, out_idx, out_sim);
}

}  // namespace mmgraph::kernels
