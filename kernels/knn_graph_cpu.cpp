// CPU reference of the kNN op: a normalised copy of the rows, then OpenMP over row tiles; each
// thread multiplies its row tile by every column tile with a single-threaded cblas_sgemm and
// merges each similarity tile into the sorted k-lists of its rows, which live in the outputs.
// OpenBLAS's result for an element depends on how a GEMM is split between its threads, so it is
// held to one thread during the op: the output then depends only on n and dim (the tile shapes),
// never on the thread count.
#include <algorithm>
#include <vector>

#include "kernels/knn_graph.h"
#include "kernels/knn_rule.h"
#include "kernels/knn_tile_cpu.h"

namespace mmgraph::kernels {

namespace {

using namespace knn_cpu;

// The op on float (T = float) or bf16 (T = uint16_t) features: only the normalisation reads them.
template <typename T>
void knn_cosine_topk_any(const char* who, int64_t n, int64_t dim, const T* features, int k, int32_t* out_idx,
                         float* out_sim) {
  if (n == 0) return;
  knn_check_args(who, n, dim, k);
  std::vector<float> xn(static_cast<size_t>(n * dim));
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n; ++r) normalize_row(dim, features + r * dim, xn.data() + r * dim);
  const OpenBlasSingleThreaded single_threaded_blas;
  const int64_t rtile = row_tile(n), ctile = col_tile(n);
#pragma omp parallel
  {
    std::vector<float> tile(static_cast<size_t>(rtile * ctile));
#pragma omp for schedule(dynamic, 1)
    for (int64_t row0 = 0; row0 < n; row0 += rtile) {
      const int64_t rows = std::min(rtile, n - row0);
      for (int64_t col0 = 0; col0 < n; col0 += ctile) {
        const int64_t cols = std::min(ctile, n - col0);
        similarity_tile(rows, cols, dim, xn.data() + row0 * dim, xn.data() + col0 * dim, tile.data());
        // Columns come in order, so a row's list holds the best min(k, col0) of the earlier ones.
        const int len = static_cast<int>(std::min<int64_t>(k, col0));
        for (int64_t r = 0; r < rows; ++r)
          merge_row(tile.data() + r * cols, cols, col0, len, k, out_sim + (row0 + r) * k, out_idx + (row0 + r) * k);
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
