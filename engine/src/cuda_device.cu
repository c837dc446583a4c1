// The CUDA device: memory on one GPU, each op run by its CUDA twin in kernels/
// on one stream, cuBLAS on the same stream. Scratch for the ops comes from one
// grow-only pool, so after the first training step nothing is allocated until an
// evaluation, which releases the pool when it ends (release_scratch).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/device_buffer.h"
#include "kernels/column_sum.h"
#include "kernels/cuda_check.h"
#include "kernels/edge_prune.h"
#include "kernels/infonce.h"
#include "kernels/knn_block_topk.h"
#include "kernels/knn_graph.h"
#include "kernels/l2_normalize.h"
#include "kernels/lightgcn.h"
#include "kernels/linear.h"
#include "kernels/modality_attention.h"
#include "kernels/nonfinite.h"
#include "kernels/negative_sampler.h"
#include "kernels/row_gather.h"
#include "kernels/sigmoid_gate.h"
#include "kernels/warp_loss.h"
#include "kernels/ranking_metrics.h"
#include "kernels/topk.h"

namespace mmgraph::detail {

namespace {

// sum += *value (one thread): keeps loss sums on the device.
__global__ void accumulate_float(const float* value, double* sum) { *sum += static_cast<double>(*value); }

// y[e] += alpha * x[e], one thread per element.
__global__ void axpy_elementwise(int64_t n, float alpha, const float* x, float* y) {
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e < n) y[e] += alpha * x[e];
}

class CudaDevice final : public Device {
 public:
  // Largest block of scores topk_of_rows keeps (1 GiB of floats): with millions
  // of items it ranks a block of users in several chunks.
  static constexpr int64_t kMaxScoreFloats = int64_t{1} << 28;

  CudaDevice(int device, bool deterministic) : device_(device), deterministic_(deterministic) {
    MMGRAPH_CUDA_CHECK(cudaSetDevice(device));
    MMGRAPH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MMGRAPH_CUDA_CHECK(cublasCreate(&cublas_));
    MMGRAPH_CUDA_CHECK(cublasSetStream(cublas_, stream_));
    // FP32 GEMMs everywhere (no TF32), so that the GPU agrees with the CPU reference.
    MMGRAPH_CUDA_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
    loss_tmp_ = static_cast<float*>(allocate(2 * sizeof(float), "loss"));
  }
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;
  ~CudaDevice() override {
    cudaStreamSynchronize(stream_);
    release(loss_tmp_);
    release(scratch_);
    cublasDestroy(cublas_);
    cudaStreamDestroy(stream_);
  }

  std::string describe() const override {
    cudaDeviceProp prop{};
    MMGRAPH_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    return "cuda:" + std::to_string(device_) + " (" + prop.name + ")";
  }
  bool is_cuda() const override { return true; }

  // Each allocation's size is kept by its pointer for the count of bytes in use (allocations are
  // few: the scratch pool grows, it is not allocated per op).
  void* allocate(size_t bytes, const char* what) override {
    activate();
    void* ptr = cuda_allocate(bytes, what);
    const std::lock_guard<std::mutex> lock(sizes_mutex_);
    sizes_[ptr] = bytes;
    count_allocated(bytes);
    return ptr;
  }
  // cudaFree waits for the device, so queued kernels never see freed memory.
  void release(void* ptr) noexcept override {
    if (!ptr) return;
    cudaFree(ptr);
    const std::lock_guard<std::mutex> lock(sizes_mutex_);
    const auto it = sizes_.find(ptr);
    if (it == sizes_.end()) return;
    count_released(it->second);
    sizes_.erase(it);
  }
  void upload(void* dst, const void* src, size_t bytes) override {
    activate();
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void download(void* dst, const void* src, size_t bytes) override {
    activate();
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void copy(void* dst, const void* src, size_t bytes) override {
    activate();
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
  }
  void zero(void* dst, size_t bytes) override {
    activate();
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream_));
  }

  void axpy(int64_t n, float alpha, const float* x, float* y) override {
    activate();
    cuda::launch("axpy_elementwise", &axpy_elementwise, n, 256, stream_, n, alpha, x, y);
  }
  void count_nonfinite(const std::vector<std::pair<const float*, int64_t>>& ranges, int64_t* count) override {
    activate();
    for (const auto& [x, n] : ranges) kernels::count_nonfinite_cuda(x, n, count, stream_);
  }
  void count_nonfinite_bf16(const uint16_t* x, int64_t n, int64_t* count) override {
    activate();
    kernels::count_nonfinite_bf16_cuda(x, n, count, stream_);
  }
  void copy_rows(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst, int64_t dst_ld) override {
    activate();
    if (rows == 0 || width == 0) return;
    MMGRAPH_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<size_t>(dst_ld) * sizeof(float), src,
                                         static_cast<size_t>(src_ld) * sizeof(float),
                                         static_cast<size_t>(width) * sizeof(float), static_cast<size_t>(rows),
                                         cudaMemcpyDeviceToDevice, stream_));
  }
  void accumulate(const float* value, double* sum) override {
    activate();
    cuda::launch("accumulate_float", &accumulate_float, 1, 1, stream_, value, sum);
  }

  void spmm(const kernels::CsrView& a, int64_t d, const float* x, float* y) override {
    activate();
    kernels::spmm_csr_cuda(a, d, x, y, scratch(kernels::spmm_csr_cuda_scratch_bytes(a, d)), stream_);
  }
  // Every row of out is computed (the SpMM splits non-zeros, not rows): the hinted ones among them.
  void lightgcn_forward(const kernels::CsrView& adj, int64_t d, int layers, const float* x0, float* out,
                        float* work, const int32_t* /*rows*/, int64_t /*n_rows*/) override {
    activate();
    kernels::lightgcn_forward_cuda(adj, d, layers, x0, out, work,
                                   scratch(kernels::spmm_csr_cuda_scratch_bytes(adj, d)), stream_);
  }
  void lightgcn_backward(const kernels::CsrView& adj, int64_t d, int layers, float* grad_out, float* grad_x0,
                         float* work, const int32_t* rows, int64_t /*n_rows*/) override {
    activate();
    kernels::lightgcn_backward_cuda(adj, d, layers, grad_out, grad_x0, work,
                                    scratch(kernels::spmm_csr_cuda_scratch_bytes(adj, d)), stream_);
    // The rows hint promises grad_out comes back zero: cleared whole here.
    if (rows)
      MMGRAPH_CUDA_CHECK(cudaMemsetAsync(grad_out, 0, static_cast<size_t>(adj.n_rows * d) * sizeof(float), stream_));
  }
  void lightgcn_layer_forward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* x0,
                              const float* cur, float* y, float* out) override {
    activate();
    kernels::lightgcn_layer_forward_cuda(adj, d, layer, layers, x0, cur, y, out,
                                         scratch(kernels::spmm_csr_cuda_scratch_bytes(adj, d)), stream_);
  }
  void lightgcn_layer_backward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* g,
                               const float* h, float* dst) override {
    activate();
    kernels::lightgcn_layer_backward_cuda(adj, d, layer, layers, g, h, dst,
                                          scratch(kernels::spmm_csr_cuda_scratch_bytes(adj, d)), stream_);
  }
  void sample_triples(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                      int32_t* users, int32_t* pos, int32_t* neg) override {
    activate();
    kernels::sample_bpr_triples_cuda(in, seed, epoch, first, count, users, pos, neg, stream_);
  }
  void bpr_loss(const kernels::BprBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                const float* user_emb0, const float* item_emb0, float reg_weight, float* grad_user_rep,
                float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0, double* loss_sum) override {
    activate();
    kernels::bpr_loss_fused_cuda(batch, d, user_rep, item_rep, user_emb0, item_emb0, reg_weight, grad_user_rep,
                                 grad_item_rep, grad_user_emb0, grad_item_emb0, loss_tmp_, deterministic_,
                                 scratch(kernels::bpr_scratch_bytes(batch.size, d)), stream_);
    accumulate(loss_tmp_, loss_sum);
    accumulate(loss_tmp_ + 1, loss_sum);
  }
  // Always steps: with grad, m and v all zero the step leaves them as they are (m = b1 0 + (1-b1) 0 = +0,
  // likewise v, and param -= lr_t * 0 / eps subtracts +0), so nothing is read back to skip it.
  bool adam_dense(int64_t n, const kernels::AdamParams& p, float* param, const float* grad, float* m, float* v,
                  bool /*moments_zero*/) override {
    activate();
    kernels::adam_dense_cuda(n, p, param, grad, m, v, stream_);
    return false;
  }
  bool adam_bf16(int64_t n, const kernels::AdamParams& p, uint64_t seed, uint64_t counter_first, uint16_t* param,
                 const float* grad, uint16_t* m, uint16_t* v, bool /*moments_zero*/) override {
    activate();
    kernels::adam_bf16_cuda(n, p, seed, counter_first, param, grad, m, v, stream_);
    return false;
  }

  void sample_negatives(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first, int64_t count,
                        const int32_t* users, int n_candidates, int32_t* cand) override {
    activate();
    kernels::sample_negatives_cuda(in, seed, epoch, first, count, users, n_candidates, cand, stream_);
  }
  void knn_cosine_topk(int64_t n, int64_t dim, const float* features, int k, int32_t* idx, float* sim) override {
    activate();
    kernels::knn_cosine_topk_cuda(n, dim, features, k, idx, sim,
                                  scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k)), cublas_, stream_);
  }
  void knn_cosine_topk_bf16(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* idx,
                            float* sim) override {
    activate();
    kernels::knn_cosine_topk_bf16_cuda(n, dim, features, k, idx, sim,
                                       scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k)), cublas_,
                                       stream_);
  }
  void knn_topk_start(int64_t n_rows, int k, int32_t* idx, float* sim) override {
    activate();
    kernels::knn_topk_start_cuda(n_rows, k, idx, sim, stream_);
  }
  void knn_block_topk(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query, int64_t col_first,
                      int64_t n_cols, const float* block, int k, int32_t* idx, float* sim) override {
    activate();
    kernels::knn_block_topk_cuda(n, dim, row_first, n_rows, query, col_first, n_cols, block, k, idx, sim,
                                 scratch(kernels::knn_cosine_topk_cuda_scratch_bytes(n, dim, k)), cublas_, stream_);
  }

  void pruned_adjacency(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr, const int32_t* train_col,
                        int64_t nnz, int64_t n_keep, uint64_t seed, uint64_t epoch, int64_t* row_ptr, int32_t* col,
                        float* val) override {
    activate();
    kernels::pruned_adjacency_cuda(n_users, n_items, train_row_ptr, train_col, nnz, n_keep, seed, epoch, row_ptr, col,
                                   val, scratch(kernels::pruned_adjacency_cuda_scratch_bytes(n_users, n_items, nnz)),
                                   stream_);
  }
  void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b,
                      float* y) override {
    activate();
    kernels::linear_forward_cuda(n, in, out, x, w, b, y, cublas_, stream_);
  }
  void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy, float* dx,
                       float* dw, float* db) override {
    activate();
    float* db_scratch = db ? floats_scratch(kernels::column_sum_scratch_floats(n, out)) : nullptr;
    kernels::linear_backward_cuda(n, in, out, x, w, dy, dx, dw, db, db_scratch, cublas_, stream_);
  }
  void linear_forward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w, const float* b,
                            float* y) override {
    activate();
    const int64_t tile = kernels::kLinearBf16xTileFloats;
    kernels::linear_forward_bf16x_cuda(n, in, out, x, w, b, y, tile,
                                       scratch(kernels::linear_bf16x_cuda_scratch_bytes(n, in, out, tile)), cublas_,
                                       stream_);
  }
  void linear_backward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                             float* db) override {
    activate();
    const int64_t tile = kernels::kLinearBf16xTileFloats;
    kernels::linear_backward_bf16x_cuda(n, in, out, x, dy, dw, db, tile,
                                        scratch(kernels::linear_bf16x_cuda_scratch_bytes(n, in, out, tile)), cublas_,
                                        stream_);
  }
  void sigmoid_gate_forward(int64_t n, const float* x, const float* pre, float* out) override {
    activate();
    kernels::sigmoid_gate_forward_cuda(n, x, pre, out, stream_);
  }
  void sigmoid_gate_backward(int64_t n, const float* x, const float* pre, const float* dout, float* dx,
                             float* dpre) override {
    activate();
    kernels::sigmoid_gate_backward_cuda(n, x, pre, dout, dx, dpre, stream_);
  }
  void attention_forward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p, const float* q,
                         float* t, float* a, float* z) override {
    activate();
    kernels::modality_attention_forward_cuda(n, d, m, h, P, p, q, t, a, z, cublas_, stream_);
  }
  void attention_backward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q, const float* t,
                          const float* a, const float* dz, float* dh, float* dP, float* dp, float* dq,
                          float* work) override {
    activate();
    kernels::modality_attention_backward_cuda(n, d, m, h, P, q, t, a, dz, dh, dP, dp, dq, work,
                                              floats_scratch(kernels::column_sum_scratch_floats(m * n, d)), cublas_,
                                              stream_);
  }
  void l2_normalize_forward(int64_t n, int64_t d, const float* x, float* y) override {
    activate();
    kernels::l2_normalize_rows_forward_cuda(n, d, x, y, stream_);
  }
  void l2_normalize_backward(int64_t n, int64_t d, const float* x, const float* y, const float* dy,
                             float* dx) override {
    activate();
    kernels::l2_normalize_rows_backward_cuda(n, d, x, y, dy, dx, stream_);
  }
  void gather_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) override {
    activate();
    kernels::gather_rows_cuda(n, d, idx, src, dst, stream_);
  }
  void scatter_add_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) override {
    activate();
    kernels::scatter_add_rows_cuda(n, d, idx, src, dst, deterministic_,
                                   scratch(kernels::scatter_add_rows_scratch_bytes(n, d)), stream_);
  }
  // Padded: the distinct counts stay on the device (no synchronisation).
  kernels::BatchRowSizes batch_rows(const kernels::BatchRowsInput& in, int32_t* rows, int32_t* counts) override {
    activate();
    kernels::batch_rows_padded_cuda(in, rows, counts,
                                    scratch(kernels::batch_rows_cuda_scratch_bytes(in.b, in.n_extra)), stream_);
    return kernels::padded_batch_row_sizes(in);
  }
  void infonce_loss(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts, int64_t total,
                    float temperature, float weight, float* grad_a, float* grad_b, double* loss_sum) override {
    activate();
    kernels::infonce_loss_fused_cuda(b, d, a, bv, counts, total, temperature, weight, grad_a, grad_b, loss_tmp_,
                                     scratch(kernels::infonce_scratch_bytes(b, d)), cublas_, stream_);
    accumulate(loss_tmp_, loss_sum);
  }
  void pointwise_loss(kernels::PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users, const int32_t* items,
                      const float* targets, const float* user_rep, const float* item_rep, float weight,
                      float* grad_user_rep, float* grad_item_rep, double* loss_sum) override {
    activate();
    kernels::pointwise_loss_fused_cuda(kind, b, d, users, items, targets, user_rep, item_rep, weight, grad_user_rep,
                                       grad_item_rep, loss_tmp_, deterministic_,
                                       scratch(kernels::pointwise_loss_scratch_bytes(b, d)), stream_);
    accumulate(loss_tmp_, loss_sum);
  }
  void warp_loss(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users, const int32_t* pos,
                 const int32_t* cand, float margin, const float* user_rep, const float* item_rep, float weight,
                 float* grad_user_rep, float* grad_item_rep, double* loss_sum) override {
    activate();
    kernels::warp_loss_fused_cuda(b, d, n_candidates, n_items, users, pos, cand, margin, user_rep, item_rep, weight,
                                  grad_user_rep, grad_item_rep, loss_tmp_, deterministic_,
                                  scratch(kernels::warp_loss_scratch_bytes(b, d)), stream_);
    accumulate(loss_tmp_, loss_sum);
  }

  void release_scratch() override {
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(stream_));
    release(scratch_);
    scratch_ = nullptr;
    scratch_bytes_ = 0;
  }

  void topk_of_rows(int64_t nb, const float* block_rep, const float* item_rep, int64_t d, int64_t n_items,
                    const kernels::RowMasks& masks, int k, int32_t* top, float* top_scores) override {
    if (k > kernels::kMaxTopK)
      throw InputError("k", std::to_string(k),
                       "the CUDA top-K supports k <= " + std::to_string(kernels::kMaxTopK) +
                           " (the CPU device has no limit)");
    activate();
    // Rows in chunks whose scores fit the evaluator's bound; the masks' rows follow the chunk.
    const int64_t chunk = std::max<int64_t>(1, kMaxScoreFloats / std::max<int64_t>(1, n_items));
    const float alpha = 1.0f, beta = 0.0f;
    for (int64_t first = 0; first < nb; first += chunk) {
      const int64_t rows = std::min<int64_t>(chunk, nb - first);
      float* scores = static_cast<float*>(scratch(static_cast<size_t>(rows * n_items) * sizeof(float)));
      // Row-major scores [rows x I] = block_rep rows [rows x d] item_rep^T, as column-major [I x rows].
      if (n_items > 0)
        MMGRAPH_CUDA_CHECK(cublasSgemm(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n_items),
                                       static_cast<int>(rows), static_cast<int>(d), &alpha, item_rep,
                                       static_cast<int>(d), block_rep + first * d, static_cast<int>(d), &beta, scores,
                                       static_cast<int>(n_items)));
      kernels::topk_masked_rows_cuda(rows, n_items, scores, n_items, first, masks, k, top + first * k,
                                     top_scores ? top_scores + first * k : nullptr, stream_);
    }
  }

  void ranking_metrics(int64_t nb, int k, const int32_t* top, const kernels::CsrView& truth,
                       const std::vector<int>& cutoffs, kernels::MetricSum* sums, int64_t* counted) override {
    if (cutoffs.size() > static_cast<size_t>(kernels::kMaxCutoffs))
      throw InputError("config", "topk", "at most " + std::to_string(kernels::kMaxCutoffs) + " cut-offs");
    activate();
    kernels::ranking_metrics_cuda(nb, k, top, 0, truth, cutoffs.data(), static_cast<int>(cutoffs.size()), sums,
                                  counted, stream_);
  }

 private:
  // Makes this device current for the calling thread (the kernels' shape
  // queries and launches use the current device).
  void activate() const { MMGRAPH_CUDA_CHECK(cudaSetDevice(device_)); }

  // At least `bytes` of scratch, valid until the next call; grows (never
  // shrinks) after waiting for the work that may still use the old block.
  void* scratch(size_t bytes) {
    if (bytes > scratch_bytes_) {
      MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(stream_));
      release(scratch_);
      scratch_ = nullptr;
      scratch_bytes_ = 0;
      scratch_ = allocate(bytes, "op scratch");
      scratch_bytes_ = bytes;
    }
    return scratch_;
  }
  float* floats_scratch(int64_t floats) { return static_cast<float*>(scratch(static_cast<size_t>(floats) * sizeof(float))); }

  int device_;
  bool deterministic_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  float* loss_tmp_ = nullptr;
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
  std::mutex sizes_mutex_;
  std::unordered_map<void*, size_t> sizes_;  // the size of each allocation not yet released
};

}  // namespace

// select_device has checked that the device exists.
std::unique_ptr<Device> make_cuda_device(int device, bool deterministic) {
  return std::make_unique<CudaDevice>(device, deterministic);
}

int cuda_device_count() {
  int count = 0;
  // Without a driver (or a GPU) this fails: that means zero devices.
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

}  // namespace mmgraph::detail
