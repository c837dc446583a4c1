// CPU reference of the fine-grained (component-level) attention (see component_attention.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/component_attention.h"

namespace mmgraph::kernels {

namespace {

float dot(const float* a, const float* b, int64_t d) {
  float s = 0.0f;
  for (int64_t j = 0; j < d; ++j) s += a[j] * b[j];
  return s;
}

}  // namespace

void component_pairs_by_item(int64_t pairs, const int32_t* item, int64_t items, int64_t* item_pair_ptr,
                             int32_t* item_pairs) {
  std::fill(item_pair_ptr, item_pair_ptr + items + 1, int64_t{0});
  for (int64_t p = 0; p < pairs; ++p) ++item_pair_ptr[item[p] + 1];
  for (int64_t k = 0; k < items; ++k) item_pair_ptr[k + 1] += item_pair_ptr[k];
  std::vector<int64_t> next(item_pair_ptr, item_pair_ptr + items);
  for (int64_t p = 0; p < pairs; ++p) item_pairs[next[item[p]]++] = static_cast<int32_t>(p);
}

void component_attention_forward_cpu(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                     const float* q, const float* x, float* a, float* z) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < pairs.pairs; ++p) {
    const int64_t k = pairs.item[p], n = count[k];
    const float* qp = q + p * d;
    const float* xk = x + k * n_max * d;
    float* ap = a + p * n_max;
    float* zp = z + p * d;
    std::fill(ap, ap + n_max, 0.0f);
    std::fill(zp, zp + d, 0.0f);
    if (n == 0) continue;
    float most = -INFINITY;
    for (int64_t c = 0; c < n; ++c) {
      ap[c] = dot(qp, xk + c * d, d) * scale;
      most = std::max(most, ap[c]);
    }
    float sum = 0.0f;
    for (int64_t c = 0; c < n; ++c) {
      ap[c] = std::exp(ap[c] - most);
      sum += ap[c];
    }
    for (int64_t c = 0; c < n; ++c) {
      ap[c] /= sum;
      for (int64_t j = 0; j < d; ++j) zp[j] += ap[c] * xk[c * d + j];
    }
  }
}

void component_attention_backward_cpu(const ComponentPairs& pairs, int64_t n_max, int64_t d, const int32_t* count,
                                      const float* q, const float* x, const float* a, const float* z,
                                      const float* dz, float* dq, float* dx) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<float> ds(static_cast<size_t>(pairs.pairs * n_max), 0.0f);
  // Per pair: the score gradients, then dq.
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < pairs.pairs; ++p) {
    const int64_t k = pairs.item[p], n = count[k];
    const float* xk = x + k * n_max * d;
    const float* ap = a + p * n_max;
    const float* dzp = dz + p * d;
    float* dsp = ds.data() + p * n_max;
    const float gbar = dot(dzp, z + p * d, d);
    for (int64_t c = 0; c < n; ++c) dsp[c] = ap[c] * (dot(dzp, xk + c * d, d) - gbar);
    float* dqp = dq + p * d;
    for (int64_t c = 0; c < n; ++c)
      for (int64_t j = 0; j < d; ++j) dqp[j] += dsp[c] * scale * xk[c * d + j];
  }
  // Per item: its pairs' terms in pair order.
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t k = 0; k < pairs.items; ++k) {
    const int64_t n = count[k];
    float* dxk = dx + k * n_max * d;
    for (int64_t e = pairs.item_pair_ptr[k]; e < pairs.item_pair_ptr[k + 1]; ++e) {
      const int64_t p = pairs.item_pairs[e];
      const float* ap = a + p * n_max;
      const float* dsp = ds.data() + p * n_max;
      const float* dzp = dz + p * d;
      const float* qp = q + p * d;
      for (int64_t c = 0; c < n; ++c)
        for (int64_t j = 0; j < d; ++j) dxk[c * d + j] += ap[c] * dzp[j] + dsp[c] * scale * qp[j];
    }
  }
}

}  // namespace mmgraph::kernels
