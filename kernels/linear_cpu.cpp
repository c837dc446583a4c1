// CPU reference of the dense layer: CBLAS SGEMMs, bias and column sums by rows.
#include <cblas.h>

#include <algorithm>

#include "kernels/linear.h"

namespace mmgraph::kernels {

void linear_forward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b, float* y) {
  if (n == 0 || out == 0) return;
  if (b) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; ++r) std::copy(b, b + out, y + r * out);
  }
  if (in == 0) {
    if (!b) std::fill(y, y + n * out, 0.0f);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(out),
              static_cast<int>(in), 1.0f, x, static_cast<int>(in), w, static_cast<int>(out), b ? 1.0f : 0.0f, y,
              static_cast<int>(out));
}

void linear_backward_cpu(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db) {
  if (n == 0 || out == 0) return;
  if (in > 0) {
    if (dx)  // dx [n x in] += dy [n x out] w^T
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(in),
                  static_cast<int>(out), 1.0f, dy, static_cast<int>(out), w, static_cast<int>(out), 1.0f, dx,
                  static_cast<int>(in));
    // dw [in x out] += x^T [in x n] dy [n x out]
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(in), static_cast<int>(out),
                static_cast<int>(n), 1.0f, x, static_cast<int>(in), dy, static_cast<int>(out), 1.0f, dw,
                static_cast<int>(out));
  }
  if (db) {
    // Rows in order per column, in double: the same sum whatever the thread count.
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < out; ++j) {
      double s = 0;
      for (int64_t r = 0; r < n; ++r) s += dy[r * out + j];
      db[j] += static_cast<float>(s);
    }
  }
}

}  // namespace mmgraph::kernels
