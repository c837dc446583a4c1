#pragma once
// The pieces of the CPU kNN ops shared by knn_graph_cpu.cpp (all rows against all rows) and
// knn_block_topk_cpu.cpp (some rows against a block of rows): the tile shapes, the normalisation of
// a row, the similarity tile, the merge of a tile row into a sorted k-list, and the guard that holds
// OpenBLAS to one thread. A cosine is the element of one tile's SGEMM, and OpenBLAS's value for an
// element may depend on the GEMM's shape and on the element's place in it: both ops therefore cut
// the n x n similarity matrix into the same tiles of global ids, so that each cosine is computed by
// the same call whichever op computes it.
#include <cblas.h>

#include <algorithm>
#include <cstdint>

#include "kernels/knn_rule.h"

namespace mmgraph::kernels::knn_cpu {

// Similarity tiles of 512 rows x 1024 columns (2 MiB per thread), whatever the thread count: the
// tile of global rows [row0, row0 + tile_rows) and columns [col0, col0 + tile_cols), row0 a multiple
// of row_tile(n), col0 a multiple of col_tile(n), each tile as long as n allows.
inline constexpr int64_t kRowTile = 512, kColTile = 1024;
inline int64_t row_tile(int64_t n) { return std::min(kRowTile, n); }
inline int64_t col_tile(int64_t n) { return std::min(kColTile, n); }

// Holds OpenBLAS to one thread while alive (the op's threads are OpenMP's), then restores it.
class OpenBlasSingleThreaded {
 public:
  OpenBlasSingleThreaded() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  OpenBlasSingleThreaded(const OpenBlasSingleThreaded&) = delete;
  OpenBlasSingleThreaded& operator=(const OpenBlasSingleThreaded&) = delete;
  ~OpenBlasSingleThreaded() { openblas_set_num_threads(saved_); }

 private:
  int saved_;
};

// dst [dim] = x [dim] / |x| (the norm summed in float64; a zero row stays zero).
template <typename T>
void normalize_row(int64_t dim, const T* x, float* dst) {
  double s = 0;
  for (int64_t j = 0; j < dim; ++j) s += static_cast<double>(knn_feature(x[j])) * knn_feature(x[j]);
  const double inv = knn_inv_norm(s);
  for (int64_t j = 0; j < dim; ++j) dst[j] = static_cast<float>(knn_feature(x[j]) * inv);
}

// tile [rows x cols] = a [rows x dim] b [cols x dim]^T (row-major, single-threaded FP32 SGEMM).
inline void similarity_tile(int64_t rows, int64_t cols, int64_t dim, const float* a, const float* b, float* tile) {
  const int d = static_cast<int>(dim);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(cols), d, 1.0f, a, d,
              b, d, 0.0f, tile, static_cast<int>(cols));
}

// Merges the cosines s[0 .. cols) of columns col0 .. col0 + cols - 1 into a row's sorted list
// (sim, idx) [k], whose first len entries are valid (the best of the columns merged before).
inline void merge_row(const float* s, int64_t cols, int64_t col0, int len, int k, float* sim, int32_t* idx) {
  for (int64_t c = 0; c < cols; ++c) {
    const float v = s[c];
    const auto id = static_cast<int32_t>(col0 + c);
    if (len == k && !knn_ranks_before(v, id, sim[k - 1], idx[k - 1])) continue;
    int p = len < k ? len++ : k - 1;
    for (; p > 0 && knn_ranks_before(v, id, sim[p - 1], idx[p - 1]); --p) {
      sim[p] = sim[p - 1];
      idx[p] = idx[p - 1];
    }
    sim[p] = v;
    idx[p] = id;
  }
}

}  // namespace mmgraph::kernels::knn_cpu
