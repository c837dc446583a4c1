// CPU reference of the dense layer: CBLAS SGEMMs, bias and column sums by rows; with bf16 x,
// tiles of x widened to float32 first.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/bf16.h"
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
    if (dw)  // dw [in x out] += x^T [in x n] dy [n x out]
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(in), static_cast<int>(out),
                  static_cast<int>(n), 1.0f, x, static_cast<int>(in), dy, static_cast<int>(out), 1.0f, dw,
                  static_cast<int>(out));
  }
  if (db) {
    // Rows in order per column, in double: the same sum whatever the thread count. A thread
    // takes a block of columns and walks dy's rows once, its columns' sums side by side.
    constexpr int64_t kCols = 16;
#pragma omp parallel for schedule(static)
    for (int64_t j0 = 0; j0 < out; j0 += kCols) {
      const int64_t width = std::min(kCols, out - j0);
      double s[kCols] = {};
      for (int64_t r = 0; r < n; ++r) {
        const float* row = dy + r * out + j0;
#pragma omp simd
        for (int64_t j = 0; j < width; ++j) s[j] += row[j];
      }
      for (int64_t j = 0; j < width; ++j) db[j0 + j] += static_cast<float>(s[j]);
    }
  }
}

namespace {

// dst [rows x in] = float(x) for the rows r0 .. r0 + rows - 1 of x [n x in].
void widen_rows(int64_t r0, int64_t rows, int64_t in, const uint16_t* x, float* dst) {
  const uint16_t* src = x + r0 * in;
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < rows * in; ++e) dst[e] = bf16_to_float(src[e]);
}

}  // namespace

void linear_forward_bf16x_cpu(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                              float* y, int64_t tile_floats) {
  if (n == 0 || out == 0) return;
  const int64_t tile = linear_bf16x_tile_rows(n, in, tile_floats);
  std::vector<float> xf(static_cast<size_t>(tile * in));
  for (int64_t r0 = 0; r0 < n; r0 += tile) {
    const int64_t rows = std::min(tile, n - r0);
    widen_rows(r0, rows, in, x, xf.data());
    linear_forward_cpu(rows, in, out, xf.data(), w, b, y + r0 * out);
  }
}

void linear_backward_bf16x_cpu(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                               float* db, int64_t tile_floats) {
  if (n == 0 || out == 0) return;
  if (in > 0) {
    const int64_t tile = linear_bf16x_tile_rows(n, in, tile_floats);
    std::vector<float> xf(static_cast<size_t>(tile * in));
    for (int64_t r0 = 0; r0 < n; r0 += tile) {
      const int64_t rows = std::min(tile, n - r0);
      widen_rows(r0, rows, in, x, xf.data());
      // dw += xf^T dy[r0 ..]; w is read only for dx, which is not asked for.
      linear_backward_cpu(rows, in, out, xf.data(), nullptr, dy + r0 * out, nullptr, dw, nullptr);
    }
  }
  // db over all n rows at once (in = 0: the column sums only), as the float32 layer sums them.
  if (db) linear_backward_cpu(n, 0, out, nullptr, nullptr, dy, nullptr, nullptr, db);
}

}  // namespace mmgraph::kernels
