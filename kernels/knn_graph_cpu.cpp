// CPU reference of the kNN op: a normalised copy of the rows, then OpenMP over row tiles; each
// thread multiplies its row tile by every column tile with a single-threaded cblas_sgemm and
// merges each similarity tile into the sorted k-lists of its rows, which live in the outputs.
// OpenBLAS's result for an element depends on how a GEMM is split between its threads, so it is
// held to one thread during the op: the output then depends only on n and dim (the tile shapes),
// never on the thread count.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/knn_graph.h"
#include "kernels/knn_rule.h"

namespace mmgraph::kernels {

namespace {

// Similarity tiles of 512 rows x 1024 columns (2 MiB per thread), whatever the thread count.
constexpr int64_t kRowTile = 512, kColTile = 1024;

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

// Merges the cosines s[0 .. cols) of columns col0 .. col0 + cols - 1 into a row's sorted list
// (sim, idx) [k], which holds the best min(k, col0) of the earlier columns.
void merge_row(const float* s, int64_t cols, int64_t col0, int k, float* sim, int32_t* idx) {
  int len = static_cast<int>(std::min<int64_t>(k, col0));
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

// The op on float (T = float) or bf16 (T = uint16_t) features: only the normalisation reads them.
template <typename T>
void knn_cosine_topk_any(const char* who, int64_t n, int64_t dim, const T* features, int k, int32_t* out_idx,
                         float* out_sim) {
  if (n == 0) return;
  knn_check_args(who, n, dim, k);
  std::vector<float> xn(static_cast<size_t>(n * dim));
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) {
    const T* x = features + r * dim;
    double s = 0;
    for (int64_t j = 0; j < dim; ++j) s += static_cast<double>(knn_feature(x[j])) * knn_feature(x[j]);
    const double inv = knn_inv_norm(s);
    for (int64_t j = 0; j < dim; ++j) xn[r * dim + j] = static_cast<float>(knn_feature(x[j]) * inv);
  }
  const OpenBlasSingleThreaded single_threaded_blas;
  const int64_t row_tile = std::min(kRowTile, n), col_tile = std::min(kColTile, n);
  const int d = static_cast<int>(dim);
#pragma omp parallel
  {
    std::vector<float> tile(static_cast<size_t>(row_tile * col_tile));
#pragma omp for schedule(dynamic, 1)
    for (int64_t row0 = 0; row0 < n; row0 += row_tile) {
      const int64_t rows = std::min(row_tile, n - row0);
      for (int64_t col0 = 0; col0 < n; col0 += col_tile) {
        const int64_t cols = std::min(col_tile, n - col0);
        // tile [rows x cols] = xn[row0 ..] xn[col0 ..]^T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(cols), d,
                    1.0f, xn.data() + row0 * dim, d, xn.data() + col0 * dim, d, 0.0f, tile.data(),
                    static_cast<int>(cols));
        for (int64_t r = 0; r < rows; ++r)
          merge_row(tile.data() + r * cols, cols, col0, k, out_sim + (row0 + r) * k, out_idx + (row0 + r) * k);
      }
    }
  }
}

}  // namespace

void knn_cosine_topk_cpu(int64_t n, int64_t dim, const float* features, int k, int32_t* out_idx, float* out_sim) {
  knn_cosine_topk_any("knn_cosine_topk_cpu", n, dim, features, k, out_idx, out_sim);
}

void knn_cosine_topk_bf16_cpu(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* out_idx,
                              float* out_sim) {
  knn_cosine_topk_any("knn_cosine_topk_bf16_cpu", n, dim, features, k, out_idx, out_sim);
}

}  // namespace mmgraph::kernels
