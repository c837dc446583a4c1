// The CPU device: host memory, each op run by its CPU reference in kernels/
// (OpenMP inside the ops, CBLAS GEMMs).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "engine/src/device.h"
#include "kernels/edge_prune.h"
#include "kernels/infonce.h"
#include "kernels/knn_block_topk.h"
#include "kernels/knn_graph.h"
#include "kernels/l2_normalize.h"
#include "kernels/lightgcn.h"
#include "kernels/linear.h"
#include "kernels/modality_attention.h"
#include "kernels/negative_sampler.h"
#include "kernels/nonfinite.h"
#include "kernels/ranking_metrics.h"
#include "kernels/row_gather.h"
#include "kernels/sigmoid_gate.h"
#include "kernels/warp_loss.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

class CpuDevice final : public Device {
  // copy and zero split buffers of a megabyte or more into chunks shared by the threads (the
  // models clear and copy whole tables every step; one core alone does not saturate memory).
  static constexpr size_t kParallelBytes = size_t{1} << 20, kChunkBytes = size_t{1} << 18;
  static constexpr size_t kHeaderBytes = 64;

 public:
  explicit CpuDevice(bool padded_batch_rows) : padded_batch_rows_(padded_batch_rows) {}
  std::string describe() const override { return fmt::format("cpu ({} threads)", omp_get_max_threads()); }
  bool is_cuda() const override { return false; }

  // 64-byte aligned so that vector loads of any row start never straddle a line; the size is
  // kept in a 64-byte header before the memory handed out, for the count of bytes in use.
  void* allocate(size_t bytes, const char* what) override {
    auto* block = static_cast<char*>(std::aligned_alloc(64, kHeaderBytes + (bytes + 63) / 64 * 64));
    if (!block) throw Error(fmt::format("out of host memory allocating {}: {} bytes", what, bytes));
    std::memcpy(block, &bytes, sizeof bytes);
    count_allocated(bytes);
    return block + kHeaderBytes;
  }
  void release(void* ptr) noexcept override {
    if (!ptr) return;
    char* block = static_cast<char*>(ptr) - kHeaderBytes;
    size_t bytes = 0;
    std::memcpy(&bytes, block, sizeof bytes);
    count_released(bytes);
    std::free(block);
  }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;  // memmove with a null pointer is undefined even for 0 bytes
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    const auto da = reinterpret_cast<uintptr_t>(dst), sa = reinterpret_cast<uintptr_t>(src);
    const bool overlap = da < sa + bytes && sa < da + bytes;
    if (bytes < kParallelBytes || overlap) return static_cast<void>(std::memmove(dst, src, bytes));
    const auto chunks = static_cast<int64_t>((bytes + kChunkBytes - 1) / kChunkBytes);
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      const size_t at = static_cast<size_t>(c) * kChunkBytes;
      std::memcpy(d + at, s + at, std::min(kChunkBytes, bytes - at));
    }
  }
  void zero(void* dst, size_t bytes) override {
    if (bytes == 0) return;
    auto* d = static_cast<char*>(dst);
    if (bytes < kParallelBytes) return static_cast<void>(std::memset(dst, 0, bytes));
    const auto chunks = static_cast<int64_t>((bytes + kChunkBytes - 1) / kChunkBytes);
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      const size_t at = static_cast<size_t>(c) * kChunkBytes;
      std::memset(d + at, 0, std::min(kChunkBytes, bytes - at));
    }
  }

  void axpy(int64_t n, float alpha, const float* x, float* y) override {
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < n; ++e) y[e] += alpha * x[e];
  }
  void copy_rows(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst, int64_t dst_ld) override {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * dst_ld, src + r * src_ld, static_cast<size_t>(width) * sizeof(float));
  }
  void accumulate(const float* value, double* sum) override { *sum += static_cast<double>(*value); }
  void count_nonfinite(const std::vector<std::pair<const float*, int64_t>>& ranges, int64_t* count) override {
    for (const auto& [x, n] : ranges) *count += kernels::count_nonfinite_cpu(x, n);
  }
  void count_nonfinite_bf16(const uint16_t* x, int64_t n, int64_t* count) override {
    *count += kernels::count_nonfinite_bf16_cpu(x, n);
  }

  void spmm(const kernels::CsrView& a, int64_t d, const float* x, float* y) override {
    kernels::spmm_csr_cpu(a, d, x, y);
  }
  void lightgcn_forward(const kernels::CsrView& adj, int64_t d, int layers, const float* x0, float* out,
                        float* work, const int32_t* rows, int64_t n_rows) override {
    kernels::lightgcn_forward_cpu(adj, d, layers, x0, out, work, rows, n_rows);
  }
  void lightgcn_backward(const kernels::CsrView& adj, int64_t d, int layers, float* grad_out, float* grad_x0,
                         float* work, const int32_t* rows, int64_t n_rows) override {
    kernels::lightgcn_backward_cpu(adj, d, layers, grad_out, grad_x0, work, rows, n_rows);
  }
  void lightgcn_layer_forward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* x0,
                              const float* cur, float* y, float* out) override {
    kernels::lightgcn_layer_forward_cpu(adj, d, layer, layers, x0, cur, y, out);
  }
  void lightgcn_layer_backward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* g,
                               const float* h, float* dst) override {
    kernels::lightgcn_layer_backward_cpu(adj, d, layer, layers, g, h, dst);
  }
  void sample_triples(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                      int32_t* users, int32_t* pos, int32_t* neg) override {
    kernels::sample_bpr_triples_cpu(in, seed, epoch, first, count, users, pos, neg);
  }
  void bpr_loss(const kernels::BprBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                const float* user_emb0, const float* item_emb0, float reg_weight, float* grad_user_rep,
                float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0, double* loss_sum) override {
    const kernels::BprLoss loss =
        kernels::bpr_loss_fused_cpu(batch, d, user_rep, item_rep, user_emb0, item_emb0, reg_weight, grad_user_rep,
                                    grad_item_rep, grad_user_emb0, grad_item_emb0);
    *loss_sum += loss.bpr + loss.reg;
  }
  // Left out when grad, m and v are all zero: features that are trainable but read by no term of the
  // loss (FREEDOM's with its modality BPR off) cost one read of their gradient, not an update.
  bool adam_dense(int64_t n, const kernels::AdamParams& p, float* param, const float* grad, float* m, float* v,
                  bool moments_zero) override {
    if (moments_zero && kernels::count_nonzero_cpu(grad, n) == 0) return true;
    kernels::adam_dense_cpu(n, p, param, grad, m, v);
    return false;
  }
  bool adam_bf16(int64_t n, const kernels::AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                 const float* grad, uint16_t* m, uint16_t* v, bool moments_zero) override {
    if (moments_zero && kernels::count_nonzero_cpu(grad, n) == 0) return true;
    kernels::adam_bf16_cpu(n, p, seed, counter_first, param, grad, m, v);
    return false;
  }

  void sample_negatives(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                        const int32_t* users, int n_candidates, int32_t* cand) override {
    kernels::sample_negatives_cpu(in, seed, epoch, first, count, users, n_candidates, cand);
  }
  void knn_cosine_topk(int64_t n, int64_t dim, const float* features, int k, int32_t* idx, float* sim) override {
    kernels::knn_cosine_topk_cpu(n, dim, features, k, idx, sim);
  }
  void knn_cosine_topk_bf16(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* idx,
                            float* sim) override {
    kernels::knn_cosine_topk_bf16_cpu(n, dim, features, k, idx, sim);
  }
  void knn_topk_start(int64_t n_rows, int k, int32_t* idx, float* sim) override {
    kernels::knn_topk_start_cpu(n_rows, k, idx, sim);
  }
  void knn_block_topk(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query, int64_t col_first,
                      int64_t n_cols, const float* block, int k, int32_t* idx, float* sim) override {
    kernels::knn_block_topk_cpu(n, dim, row_first, n_rows, query, col_first, n_cols, block, k, idx, sim);
  }

  void pruned_adjacency(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                        int64_t nnz, int64_t n_keep, uint64_t seed, uint64_t epoch, int64_t* row_ptr, int32_t* col,
                        float* val) override {
    (void)nnz;
    const kernels::CsrHost a =
        kernels::pruned_adjacency_cpu(n_users, n_items, train_row_ptr, train_col, n_keep, seed, epoch);
    std::copy(a.row_ptr.begin(), a.row_ptr.end(), row_ptr);
    std::copy(a.col.begin(), a.col.end(), col);
    std::copy(a.val.begin(), a.val.end(), val);
  }

  void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b,
                      float* y) override {
    kernels::linear_forward_cpu(n, in, out, x, w, b, y);
  }
  void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy, float* dx,
                       float* dw, float* db) override {
    kernels::linear_backward_cpu(n, in, out, x, w, dy, dx, dw, db);
  }
  void linear_forward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                            float* y) override {
    kernels::linear_forward_bf16x_cpu(n, in, out, x, w, b, y, kernels::kLinearBf16xTileFloats);
  }
  void linear_backward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                             float* db) override {
    kernels::linear_backward_bf16x_cpu(n, in, out, x, dy, dw, db, kernels::kLinearBf16xTileFloats);
  }
  void sigmoid_gate_forward(int64_t n, const float* x, const float* pre, float* out) override {
    kernels::sigmoid_gate_forward_cpu(n, x, pre, out);
  }
  void sigmoid_gate_backward(int64_t n, const float* x, const float* pre, const float* dout, float* dx,
                             float* dpre) override {
    kernels::sigmoid_gate_backward_cpu(n, x, pre, dout, dx, dpre);
  }
  void attention_forward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p, const float* q,
                         float* t, float* a, float* z) override {
    kernels::modality_attention_forward_cpu(n, d, m, h, P, p, q, t, a, z);
  }
  void attention_backward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q, const float* t,
                          const float* a, const float* dz, float* dh, float* dP, float* dp, float* dq,
                          float* work) override {
    kernels::modality_attention_backward_cpu(n, d, m, h, P, q, t, a, dz, dh, dP, dp, dq, work);
  }
  void l2_normalize_forward(int64_t n, int64_t d, const float* x, float* y) override {
    kernels::l2_normalize_rows_forward_cpu(n, d, x, y);
  }
  void l2_normalize_backward(int64_t n, int64_t d, const float* x, const float* y, const float* dy,
                             float* dx) override {
    kernels::l2_normalize_rows_backward_cpu(n, d, x, y, dy, dx);
  }
  void gather_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) override {
    kernels::gather_rows_cpu(n, d, idx, src, dst);
  }
  void scatter_add_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) override {
    kernels::scatter_add_rows_cpu(n, d, idx, src, dst);
  }
  // Packed: the sizes are in host memory already (padded only when asked to lay rows out as a GPU does).
  kernels::BatchRowSizes batch_rows(const kernels::BatchRowsInput& in, int32_t* rows, int32_t* counts) override {
    if (!padded_batch_rows_) return kernels::batch_rows_cpu(in, rows, counts);
    kernels::batch_rows_padded_cpu(in, rows, counts);
    return kernels::padded_batch_row_sizes(in);
  }
  void infonce_loss(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts, int64_t total,
                    float temperature, float weight, float* grad_a, float* grad_b, double* loss_sum) override {
    const size_t before = infonce_scratch_bytes();
    *loss_sum += kernels::infonce_loss_fused_cpu(b, d, a, bv, counts, total, temperature, weight, grad_a, grad_b,
                                                  &infonce_scratch_);
    count_scratch(before, infonce_scratch_bytes());
  }
  void pointwise_loss(kernels::PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                      const float* targets, const float* user_rep, const float* item_rep, float weight,
                      float* grad_user_rep, float* grad_item_rep, double* loss_sum) override {
    *loss_sum += kernels::pointwise_loss_fused_cpu(kind, b, d, users, items, targets, user_rep, item_rep, weight,
                                                   grad_user_rep, grad_item_rep);
  }
  void warp_loss(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users, const int32_t* pos,
                 const int32_t* cand, float margin, const float* user_rep, const float* item_rep, float weight,
                 float* grad_user_rep, float* grad_item_rep, double* loss_sum) override {
    *loss_sum += kernels::warp_loss_fused_cpu(b, d, n_candidates, n_items, users, pos, cand, margin, user_rep, item_rep,
                                              weight, grad_user_rep, grad_item_rep);
  }

  void release_scratch() override {
    count_scratch(scores_.capacity() * sizeof(float), 0);
    std::vector<float>().swap(scores_);
  }
  // scores_ [nb x I] = block_rep [nb x d] item_rep^T by one CBLAS SGEMM (grown as needed), then the
  // masked top-K of its rows.
  void topk_of_rows(int64_t nb, const float* block_rep, const float* item_rep, int64_t d, int64_t n_items,
                    const kernels::RowMasks& masks, int k, int32_t* top, float* top_scores) override {
    if (nb == 0) return;
    const size_t before = scores_.capacity() * sizeof(float);
    scores_.resize(std::max(scores_.size(), static_cast<size_t>(nb * n_items)));
    count_scratch(before, scores_.capacity() * sizeof(float));
    // BLAS rejects ldc = 0: no GEMM without items.
    if (n_items > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nb), static_cast<int>(n_items),
                  static_cast<int>(d), 1.0f, block_rep, static_cast<int>(d), item_rep, static_cast<int>(d), 0.0f,
                  scores_.data(), static_cast<int>(n_items));
    kernels::topk_masked_rows_cpu(nb, n_items, scores_.data(), n_items, 0, masks, k, top, top_scores);
  }
  void ranking_metrics(int64_t nb, int k, const int32_t* top, const kernels::CsrView& truth,
                       const std::vector<int>& cutoffs, kernels::MetricSum* sums, int64_t* counted) override {
    kernels::ranking_metrics_cpu(nb, k, top, 0, truth, cutoffs.data(), static_cast<int>(cutoffs.size()), sums,
                                 counted);
  }

 private:
  // The scratch ops keep in host vectors counts as the device's memory: from `before` to `after` bytes.
  void count_scratch(size_t before, size_t after) noexcept {
    if (after > before) count_allocated(after - before);
    if (before > after) count_released(before - after);
  }
  size_t infonce_scratch_bytes() const {
    return infonce_scratch_.floats.capacity() * sizeof(float) + infonce_scratch_.doubles.capacity() * sizeof(double);
  }

  bool padded_batch_rows_;
  std::vector<float> scores_;  // topk_of_rows' block of scores
  kernels::InfonceCpuScratch infonce_scratch_;
};

}  // namespace

std::unique_ptr<Device> make_cpu_device(bool padded_batch_rows) {
  return std::make_unique<CpuDevice>(padded_batch_rows);
}

}  // namespace mmgraph::detail
