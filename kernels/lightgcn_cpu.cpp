// CPU reference of LightGCN propagation: forward layer mean and its backward,
// with the mean (forward) and Horner sum (backward) fused into each SpMM row.
#include <vector>

#include "kernels/lightgcn.h"
#include "kernels/spmm_cpu_row.h"

namespace mmgraph::kernels {

void lightgcn_forward_cpu(const CsrView& adj, int64_t d, int n_layers, const float* x0,
                          float* out, float* work) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < n * d; ++e) out[e] = c * x0[e];
  const float* cur = x0;
  for (int l = 1; l <= n_layers; ++l) {
    float* next = work + ((l - 1) % 2) * n * d;
#pragma omp parallel for schedule(dynamic, 64)
    for (int64_t r = 0; r < n; ++r) {
      float* y = next + r * d;
      spmm_row_cpu(adj, r, d, cur, y);
      float* o = out + r * d;
#pragma omp simd
      for (int64_t j = 0; j < d; ++j) o[j] += c * y[j];
    }
    cur = next;
  }
}

void lightgcn_backward_cpu(const CsrView& adj, int64_t d, int n_layers, const float* grad_out,
                           float* grad_x0, float* work) {
  const int64_t n = adj.n_rows;
  const float c = 1.0f / static_cast<float>(n_layers + 1);
  if (n_layers == 0) {
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < n * d; ++e) grad_x0[e] += grad_out[e];
    return;
  }
  float* h = work;  // h = c g
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < n * d; ++e) h[e] = c * grad_out[e];
  for (int l = 1; l <= n_layers; ++l) {
    const bool last = l == n_layers;
    float* next = work + (l % 2) * n * d;
#pragma omp parallel
    {
      std::vector<float> row(static_cast<size_t>(d));
#pragma omp for schedule(dynamic, 64)
      for (int64_t r = 0; r < n; ++r) {
        spmm_row_cpu(adj, r, d, h, row.data());
        const float* g = grad_out + r * d;
        float* dst = last ? grad_x0 + r * d : next + r * d;
        if (last) {
#pragma omp simd
          for (int64_t j = 0; j < d; ++j) dst[j] += c * g[j] + row[j];
        } else {
#pragma omp simd
          for (int64_t j = 0; j < d; ++j) dst[j] = c * g[j] + row[j];
        }
      }
    }
    h = next;
  }
}

}  // namespace mmgraph::kernels
