#pragma once
// The pieces of the CPU kNN ops shared by knn_graph_cpu.cpp (all rows against all rows) and
// knn_block_topk_cpu.cpp (some rows against a block of rows): the tile grid, the normalisation of
// a row, the similarity tile, the merge of a line of a tile into a sorted k-list, and the guard that
// holds OpenBLAS to one thread. A cosine is the element of one tile's GEMM, and OpenBLAS's value for
// an element may depend on the GEMM's shape, on the element's place in it and on which operand holds
// which row: both ops therefore cut the n x n similarity matrix into the same square tiles of global
// ids and compute the cosine of a pair {i, j} once, by the same call, in the tile on or above the
// diagonal (row tile <= column tile), and inside a diagonal tile at (min(i, j), max(i, j)). An op
// that needs a pair from below the diagonal computes the mirrored tile and reads it transposed.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/knn_rule.h"

namespace mmgraph::kernels::knn_cpu {

// Square similarity tiles of 1024 rows x 1024 columns (4 MiB per thread), whatever the thread
// count: tile (a, b) pairs global rows [a t, a t + t) with global columns [b t, b t + t), t =
// tile_size(n), each as long as n allows.
inline constexpr int64_t kTile = 1024;
inline int64_t tile_size(int64_t n) { return std::min(kTile, n); }

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

// dst [dim] = x [dim] / |x| (the norm summed in float64; a zero row stays zero), stored as float or
// as bf16 (D = uint16_t) by knn_store_normalized.
template <typename T, typename D>
void normalize_row(int64_t dim, const T* x, D* dst) {
  double s = 0;
  for (int64_t j = 0; j < dim; ++j) s += static_cast<double>(knn_feature(x[j])) * knn_feature(x[j]);
  const double inv = knn_inv_norm(s);
  for (int64_t j = 0; j < dim; ++j) knn_store_normalized(knn_feature(x[j]) * inv, dst[j]);
}

// tile [rows x cols] = a [rows x dim] b [cols x dim]^T (row-major, single-threaded FP32 SGEMM).
inline void similarity_tile(int64_t rows, int64_t cols, int64_t dim, const float* a, const float* b, float* tile) {
  const int d = static_cast<int>(dim);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(cols), d, 1.0f, a, d,
              b, d, 0.0f, tile, static_cast<int>(cols));
}

// The float rows a GEMM multiplies: rows [count x dim] themselves when float, bf16 rows widened
// (exactly) into buf. Products of bf16 values are exact in FP32, so an SGEMM of widened bf16 rows is
// a bf16 GEMM with FP32 accumulation (Debian's OpenBLAS 0.3.21 is built without its SBGEMM).
inline const float* rows_as_float(const float* rows, int64_t /*count*/, int64_t /*dim*/, std::vector<float>& /*buf*/) {
  return rows;
}
inline const float* rows_as_float(const uint16_t* rows, int64_t count, int64_t dim, std::vector<float>& buf) {
  for (int64_t e = 0; e < count * dim; ++e) buf[static_cast<size_t>(e)] = bf16_to_float(rows[e]);
  return buf.data();
}

// Empties the sorted lists (sim, idx) [n_rows x k]: every entry (cosine -inf, id -1), which any
// candidate outranks.
inline void start_lists(int64_t n_rows, int k, int32_t* idx, float* sim) {
  std::fill_n(idx, n_rows * k, -1);
  std::fill_n(sim, n_rows * k, -INFINITY);
}

// Inserts the candidate (v, id) into a sorted list (sim, idx) [k] if it ranks before its last entry.
inline void insert_candidate(float v, int32_t id, int k, float* sim, int32_t* idx) {
  if (!knn_ranks_before(v, id, sim[k - 1], idx[k - 1])) return;
  int p = k - 1;
  for (; p > 0 && knn_ranks_before(v, id, sim[p - 1], idx[p - 1]); --p) {
    sim[p] = sim[p - 1];
    idx[p] = idx[p - 1];
  }
  sim[p] = v;
  idx[p] = id;
}

// Merges the cosines s[0], s[stride], ..., s[(count - 1) stride] of ids id0 .. id0 + count - 1 (a
// tile row with stride 1, a tile column with stride the tile's width) into a sorted list [k].
inline void merge_line(const float* s, int64_t stride, int64_t count, int64_t id0, int k, float* sim, int32_t* idx) {
  for (int64_t c = 0; c < count; ++c) insert_candidate(s[c * stride], static_cast<int32_t>(id0 + c), k, sim, idx);
}

}  // namespace mmgraph::kernels::knn_cpu
