// CPU reference of LightGCN propagation: forward layer mean and its backward,
// with the mean (forward) and Horner sum (backward) fused into each SpMM row.
// Rows are split among threads statically, as Adam splits the parameters: each thread
// writes the same rows in every pass over all rows, which then stay in its own cache (with
// dynamic chunks, a training step's Adam on 2 cores took 1.7x as long, fetching from the other's).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/lightgcn.h"
#include "kernels/spmm_cpu_row.h"

namespace mmgraph::kernels {

namespace {

// The forward's layer mean at one row: o = c x + c y on the first layer, o += c y after.
inline void add_layer_row(bool first, float c, int64_t d, float* o, const float* x, const float* y) {
  if (first) {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) o[j] = c * x[j] + c * y[j];
  } else {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) o[j] += c * y[j];
  }
}

// The backward's Horner step at one row: dst = c g + scale v, or dst += c g + scale v (accumulate).
inline void horner_row(bool accumulate, float c, float scale, int64_t d, const float* g, const float* v, float* dst) {
  if (accumulate) {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) dst[j] += c * g[j] + scale * v[j];
  } else {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) dst[j] = c * g[j] + scale * v[j];
  }
}

}  // namespace

void lightgcn_forward_cpu(const CsrView& adj, int64_t d, int n_layers, const float* x0,
                          float* out, float* work, const int32_t* rows, int64_t n_rows) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  if (n_layers == 0) {
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < n * d; ++e) out[e] = c * x0[e];
    return;
  }
  // Layer l's rows y = (Â y_{l-1})[r] add c y into out (the first layer starts out at c x0);
  // the last layer keeps y in a row buffer (nothing reads it). With rows, out is summed at
  // those rows alone, by a pass over them after each full layer, and the last layer is
  // computed there alone.
  const float* cur = x0;
  for (int l = 1; l <= n_layers; ++l) {
    const bool first = l == 1, last = l == n_layers, subset = rows && last;
    float* next = work + ((l - 1) % 2) * n * d;
#pragma omp parallel
    {
      std::vector<float> row(last ? static_cast<size_t>(d) : 0);
#pragma omp for schedule(static)
      for (int64_t i = 0; i < (subset ? n_rows : n); ++i) {
        const int64_t r = subset ? rows[i] : i;
        if (r < 0) continue;
        float* y = last ? row.data() : next + r * d;
        spmm_row_cpu(adj, r, d, cur, y);
        if (!rows || last) add_layer_row(first, c, d, out + r * d, x0 + r * d, y);
      }
      if (rows && !last) {
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n_rows; ++i) {
          const int64_t r = rows[i];
          if (r >= 0) add_layer_row(first, c, d, out + r * d, x0 + r * d, next + r * d);
        }
      }
    }
    cur = next;
  }
}

void lightgcn_backward_cpu(const CsrView& adj, int64_t d, int n_layers, float* grad_out, float* grad_x0,
                           float* work, const int32_t* rows, int64_t n_rows) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  // With rows, grad_out is zero elsewhere: the epilogues read one cached row of zeros instead of
  // its other rows (the same values, so the same bits), and the rows are cleared at the end.
  std::vector<uint8_t> in_rows(rows ? static_cast<size_t>(n) : 0);
  for (int64_t i = 0; i < n_rows; ++i)
    if (rows[i] >= 0) in_rows[static_cast<size_t>(rows[i])] = 1;
  const std::vector<float> zero_row(rows ? static_cast<size_t>(d) : 0);
  const auto g_row = [&](int64_t r) {
    return !rows || in_rows[static_cast<size_t>(r)] ? grad_out + r * d : zero_row.data();
  };
  const auto clear_rows = [&] {
    if (!rows) return;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n_rows; ++i)
      if (rows[i] >= 0) std::fill(grad_out + rows[i] * d, grad_out + (rows[i] + 1) * d, 0.0f);
  };
  if (n_layers == 0) {
#pragma omp parallel
    {
#pragma omp for schedule(static)
      for (int64_t e = 0; e < n * d; ++e) grad_x0[e] += grad_out[e];
      clear_rows();
    }
    return;
  }
  // Layer 1 multiplies g itself and scales the row by c there (h_0 = c g is never stored):
  // for c = 1/(L+1) a power of two (L = 1, 3, 7) these are the bits of Â (c g), as c scales exactly.
  const float* h = grad_out;
  for (int l = 1; l <= n_layers; ++l) {
    const bool first = l == 1, last = l == n_layers;
    const float scale = first ? c : 1.0f;
    float* next = work + ((l - 1) % 2) * n * d;
#pragma omp parallel
    {
      std::vector<float> row(static_cast<size_t>(d));
#pragma omp for schedule(static)
      for (int64_t r = 0; r < n; ++r) {
        spmm_row_cpu(adj, r, d, h, row.data());
        const float* g = g_row(r);
        horner_row(last, c, scale, d, g, row.data(), last ? grad_x0 + r * d : next + r * d);
      }
      if (last) clear_rows();
    }
    h = next;
  }
}

// Rows split statically among threads, as in the fused ops.
void lightgcn_layer_forward_cpu(const CsrView& adj, int64_t d, int layer, int n_layers, const float* x0,
                                const float* cur, float* y, float* out) {
  const float c = 1.0f / static_cast<float>(n_layers + 1);
#pragma omp parallel
  {
    std::vector<float> row(y ? 0 : static_cast<size_t>(d));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < adj.n_rows; ++r) {
      float* v = y ? y + r * d : row.data();
      spmm_row_cpu(adj, r, d, cur, v);
      add_layer_row(layer == 1, c, d, out + r * d, x0 + r * d, v);
    }
  }
}

void lightgcn_layer_backward_cpu(const CsrView& adj, int64_t d, int layer, int n_layers, const float* g,
                                 const float* h, float* dst) {
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  const float scale = layer == 1 ? c : 1.0f;
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(d));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < adj.n_rows; ++r) {
      spmm_row_cpu(adj, r, d, h, row.data());
      horner_row(layer == n_layers, c, scale, d, g + r * d, row.data(), dst + r * d);
    }
  }
}

}  // namespace mmgraph::kernels
