#pragma once
// The rules shared by the kNN ops' twins (knn_graph, knn_block_topk): argument checks, the
// normalisation of a row and the order of two neighbours, so that every twin normalises and ranks
// identically.
#include <math.h>

#include <cstdint>
#include <string>

#include "kernels/bf16.h"
#include "kernels/common.h"
#include "kernels/knn_graph.h"
#include "mmgraph/errors.h"

namespace mmgraph::kernels {

inline void knn_check_args(const char* who, int64_t n, int64_t dim, int k) {
  if (dim < 1 || dim > INT32_MAX || n > INT32_MAX)
    throw Error(std::string(who) + ": n must fit int32 and dim in 1..2^31-1 (n " + std::to_string(n) + ", dim " +
                std::to_string(dim) + ")");
  if (k < 1 || k > kMaxKnnK || k > n)
    throw Error(std::string(who) + ": k must be in 1..min(n, " + std::to_string(kMaxKnnK) + "), got " +
                std::to_string(k) + " for n " + std::to_string(n));
}

// The ranges of knn_block_topk (kernels/knn_block_topk.h): rows and candidates inside 0 .. n - 1.
inline void knn_check_block_args(const char* who, int64_t n, int64_t row_first, int64_t n_rows, int64_t col_first,
                                 int64_t n_cols) {
  if (row_first < 0 || n_rows < 0 || row_first > n - n_rows || col_first < 0 || n_cols < 0 ||
      col_first > n - n_cols)
    throw Error(std::string(who) + ": rows " + std::to_string(row_first) + " + " + std::to_string(n_rows) +
                " and candidates " + std::to_string(col_first) + " + " + std::to_string(n_cols) +
                " must lie inside the " + std::to_string(n) + " items");
}

// 1 / |x| from the row's sum of squares (accumulated in float64); 0 for a zero row, whose
// normalised copy is then zero: cosine 0 with every row, itself included.
MMGRAPH_HD double knn_inv_norm(double sum_squares) { return sum_squares > 0 ? 1.0 / sqrt(sum_squares) : 0.0; }

// A feature as float32: float features as they are, bf16 ones widened (exactly); both are
// normalised in float.
MMGRAPH_HD float knn_feature(float x) { return x; }
MMGRAPH_HD float knn_feature(uint16_t x) { return bf16_to_float(x); }

// Stores a normalised entry x * inv_norm: rounded to float for the float GEMMs, and from that float
// rounded on to bf16 (to nearest, ties to even) for the bf16 GEMMs.
MMGRAPH_HD void knn_store_normalized(double v, float& dst) { dst = static_cast<float>(v); }
MMGRAPH_HD void knn_store_normalized(double v, uint16_t& dst) { dst = float_to_bf16(static_cast<float>(v)); }

// Neighbour a ranks before neighbour b: higher cosine, then lower id.
MMGRAPH_HD bool knn_ranks_before(float a_sim, int32_t a_id, float b_sim, int32_t b_id) {
  return a_sim > b_sim || (a_sim == b_sim && a_id < b_id);
}

}  // namespace mmgraph::kernels
