// CUDA fused InfoNCE: normalise both views (one warp per row), logits by one
// cuBLAS SGEMM, one warp per logit row for the log-sum-exp, the loss term and
// the softmax gradient (written over the logits), two SGEMMs for the gradients
// of the normalised rows, and one warp per row through the normalisation. No
// atomics anywhere: the result is bit-identical run to run.
#include <string>

#include "kernels/cuda_check.h"
#include "kernels/infonce.h"
#include "kernels/loss_device.cuh"

namespace mmgraph::kernels {

namespace {

constexpr float kNormEps = 1e-12f;

// One warp per row r of the stacked views [a; bv] (2B rows): lanes stride over
// the d columns; hat[r] = x[r] / max(|x[r]|, eps), norm[r] = max(|x[r]|, eps).
__global__ void __launch_bounds__(kLossBlock) infonce_normalize(int64_t b, int64_t d, const float* a, const float* bv,
                                                                float* hat, float* norm) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (r >= 2 * b) return;
  const float* x = r < b ? a + r * d : bv + (r - b) * d;
  float sq = 0;
  for (int64_t j = lane; j < d; j += 32) sq += x[j] * x[j];
  const float n = fmaxf(sqrtf(warp_sum(sq)), kNormEps);
  for (int64_t j = lane; j < d; j += 32) hat[r * d + j] = x[j] / n;
  if (lane == 0) norm[r] = n;
}

// One warp per logit row k (B columns): lanes stride over the columns for the
// row max, then the sum of exponentials weighted by the columns' multiplicities
// (warp sums, the same in every lane), then overwrite c_kj with
// G_kj = scale n_k (n_j softmax_j - [j == k]). The lane that owns the diagonal
// reads c_kk before writing it and stores the loss term n_k (lse - c_kk).
// counts == nullptr: every multiplicity is 1. A row or column of multiplicity 0 takes no part.
__global__ void __launch_bounds__(kLossBlock) infonce_softmax_rows(int64_t b, const int32_t* counts, float scale,
                                                                   float* logits, float* terms) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (k >= b) return;
  float* c = logits + k * b;
  const float n_k = counts ? static_cast<float>(counts[k]) : 1.0f;
  if (n_k == 0) {
    for (int64_t j = lane; j < b; j += 32) c[j] = 0;
    if (lane == 0) terms[k] = 0;
    return;
  }
  float m = -INFINITY;
  for (int64_t j = lane; j < b; j += 32)
    if (!counts || counts[j] != 0) m = fmaxf(m, c[j]);
  m = warp_max(m);
  float sum = 0;
  // A column of count 0 (a padded row) can exceed m by 2 / t, so its exp would overflow: skipped.
  for (int64_t j = lane; j < b; j += 32) {
    const float n_j = counts ? static_cast<float>(counts[j]) : 1.0f;
    if (n_j != 0) sum += n_j * expf(c[j] - m);
  }
  const float lse = m + logf(warp_sum(sum));
  for (int64_t j = lane; j < b; j += 32) {
    const float cj = c[j];
    const float n_j = counts ? static_cast<float>(counts[j]) : 1.0f;
    float g = n_j != 0 ? n_j * expf(cj - lse) : 0.0f;
    if (j == k) {
      terms[k] = n_k * (lse - cj);
      g -= 1.0f;
    }
    c[j] = scale * n_k * g;
  }
}

// One warp per row r of the stacked views: grad[r] += (g[r] - hat[r] <hat[r], g[r]>) / norm[r]
// (g[r] / eps for a clamped row); rows < B go to grad_a, the others to grad_b.
__global__ void __launch_bounds__(kLossBlock) infonce_normalize_backward(int64_t b, int64_t d, const float* hat,
                                                                         const float* norm, const float* g,
                                                                         float* grad_a, float* grad_b) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (r >= 2 * b) return;
  const float* h = hat + r * d;
  const float* gr = g + r * d;
  float along = 0;
  for (int64_t j = lane; j < d; j += 32) along += h[j] * gr[j];
  along = warp_sum(along);
  const float n = norm[r];
  if (!(n > kNormEps)) along = 0;
  float* out = r < b ? grad_a + r * d : grad_b + (r - b) * d;
  for (int64_t j = lane; j < d; j += 32) out[j] += (gr[j] - h[j] * along) / n;
}

// Byte offsets of the scratch regions, each 256-byte aligned.
struct InfonceScratch {
  size_t hat, grad_hat, norm, logits, terms, total;
};

InfonceScratch infonce_scratch(int64_t b, int64_t d) {
  const auto rows = 2 * static_cast<size_t>(b) * static_cast<size_t>(d) * sizeof(float);
  InfonceScratch s{};
  s.hat = 0;
  s.grad_hat = align256(rows);
  s.norm = s.grad_hat + align256(rows);
  s.logits = s.norm + align256(2 * static_cast<size_t>(b) * sizeof(float));
  s.terms = s.logits + align256(static_cast<size_t>(b) * static_cast<size_t>(b) * sizeof(float));
  s.total = s.terms + align256(static_cast<size_t>(b) * sizeof(float));
  return s;
}

}  // namespace

size_t infonce_scratch_bytes(int64_t b, int64_t d) { return infonce_scratch(b, d).total; }

void infonce_loss_fused_cuda(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts,
                             int64_t total, float temperature, float weight, float* grad_a, float* grad_b,
                             float* loss_out, void* scratch, cublasHandle_t cublas, cudaStream_t stream) {
  if (b == 0) {
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_out, 0, sizeof(float), stream));
    return;
  }
  if (d < 1) throw Error("infonce_loss_fused_cuda: d = " + std::to_string(d) + ", must be >= 1");
  if (counts == nullptr) total = b;
  if (total < 1) throw Error("infonce_loss_fused_cuda: total = " + std::to_string(total) + ", must be >= 1");
  const InfonceScratch s = infonce_scratch(b, d);
  char* base = static_cast<char*>(scratch);
  auto* hat = reinterpret_cast<float*>(base + s.hat);  // [a^; b^], 2B x d
  auto* grad_hat = reinterpret_cast<float*>(base + s.grad_hat);
  auto* norm = reinterpret_cast<float*>(base + s.norm);
  auto* logits = reinterpret_cast<float*>(base + s.logits);
  auto* terms = reinterpret_cast<float*>(base + s.terms);
  const float* a_hat = hat;
  const float* b_hat = hat + b * d;
  const int bi = static_cast<int>(b), di = static_cast<int>(d);
  const float inv_t = 1.0f / temperature, zero = 0.0f;
  const auto scale = static_cast<float>(weight / static_cast<double>(total));

  cuda::launch("infonce_normalize", &infonce_normalize, 2 * b * 32, kLossBlock, stream, b, d, a, bv, hat, norm);
  // Row-major logits [B x B] = a^ b^T / t, i.e. column-major (b^ a^T) / t.
  MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_T, CUBLAS_OP_N, bi, bi, di, &inv_t, b_hat, di, a_hat, di, &zero,
                                 logits, bi));
  cuda::launch("infonce_softmax_rows", &infonce_softmax_rows, b * 32, kLossBlock, stream, b, counts, scale, logits,
               terms);
  // Row-major dL/da^ [B x d] = G b^ / t: column-major (b^T G^T) / t, with G read column-major as G^T.
  MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, di, bi, bi, &inv_t, b_hat, di, logits, bi, &zero,
                                 grad_hat, di));
  // Row-major dL/db^ [B x d] = G^T a^ / t: column-major (a^T G) / t.
  MMGRAPH_CUDA_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_T, di, bi, bi, &inv_t, a_hat, di, logits, bi, &zero,
                                 grad_hat + b * d, di));
  cuda::launch("infonce_normalize_backward", &infonce_normalize_backward, 2 * b * 32, kLossBlock, stream, b, d, hat,
               norm, grad_hat, grad_a, grad_b);
  cuda::launch("sum_terms_fixed_order", &sum_terms_fixed_order<kLossBlock>, kLossBlock, kLossBlock, stream, b, terms,
               scale, loss_out);
}

}  // namespace mmgraph::kernels
