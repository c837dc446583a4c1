#pragma once
// The device layer: owns memory on one device (host RAM or one GPU) and runs
// each op of kernels/ there, dispatching to the op's CPU reference or its CUDA
// twin. Models (engine/models/) are written once as calls of these methods on
// device buffers; no model logic lives in a device. Pointers passed to a
// device method are that device's memory (Buffer<T>::data()).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/adam.h"
#include "kernels/batch_rows.h"
#include "kernels/bpr.h"
#include "kernels/common.h"
#include "kernels/pointwise_loss.h"
#include "kernels/ranking_metrics.h"
#include "kernels/sampler.h"
#include "kernels/spmm.h"
#include "kernels/topk.h"

namespace mmgraph::detail {

class Device {
 public:
  virtual ~Device() = default;
  // "cpu (2 threads)", "cuda:0 (NVIDIA H100 80GB HBM3)".
  virtual std::string describe() const = 0;
  virtual bool is_cuda() const = 0;

  // Memory. Allocation failures throw Error naming `what` and the sizes.
  virtual void* allocate(size_t bytes, const char* what) = 0;
  virtual void release(void* ptr) noexcept = 0;
  // The device's own count of its memory: the bytes allocated and not yet released (as asked
  // for, with the scratch ops keep between calls), and the most of them held at once since the
  // device was made or reset_peak() last ran. Safe to read while other threads allocate.
  size_t bytes_in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t peak_bytes() const { return peak_.load(std::memory_order_relaxed); }
  // Starts the peak afresh from the bytes in use now.
  void reset_peak() { peak_.store(bytes_in_use(), std::memory_order_relaxed); }
  virtual void upload(void* dst, const void* host_src, size_t bytes) = 0;
  // Waits for the device's queued work, then copies.
  virtual void download(void* host_dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;
  virtual void zero(void* dst, size_t bytes) = 0;

  // y += alpha * x over n floats.
  virtual void axpy(int64_t n, float alpha, const float* x, float* y) = 0;
  // dst[r * dst_ld + c] = src[r * src_ld + c] for r < rows, c < width (floats).
  virtual void copy_rows(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst,
                         int64_t dst_ld) = 0;
  // sum += value (value: one float in device memory, sum: one double).
  virtual void accumulate(const float* value, double* sum) = 0;
  // Adds the number of NaN / Inf values over the ranges (pointer, count) into *count (one int64_t
  // in device memory); reads nothing back.
  virtual void count_nonfinite(const std::vector<std::pair<const float*, int64_t>>& ranges, int64_t* count) = 0;
  // The same count over bf16 values x [n] (kernels/bf16.h bit patterns).
  virtual void count_nonfinite_bf16(const uint16_t* x, int64_t n, int64_t* count) = 0;

  // Ops (kernels/*.h documents each; loss ops add their value into *loss_sum,
  // a double in device memory).
  virtual void spmm(const kernels::CsrView& a, int64_t d, const float* x, float* y) = 0;
  // The rows hint, on both devices (kernels/lightgcn.h): rows (optional, device memory, n_rows
  // ids, distinct but for negative ones, which name no row) names the rows a training step reads.
  // forward: out is then defined at those rows alone (equal to an unhinted forward's there; any
  // other row may hold any value). backward: the caller promises grad_out is zero outside them;
  // grad_x0 gets what an unhinted backward adds, and grad_out comes back all zero. Without rows, out
  // is defined at every row and grad_out is left as it is.
  virtual void lightgcn_forward(const kernels::CsrView& adj, int64_t d, int layers, const float* x0, float* out,
                                float* work, const int32_t* rows = nullptr, int64_t n_rows = 0) = 0;
  virtual void lightgcn_backward(const kernels::CsrView& adj, int64_t d, int layers, float* grad_out,
                                 float* grad_x0, float* work, const int32_t* rows = nullptr, int64_t n_rows = 0) = 0;
  // One layer of each, over a process's rows of Â and tables with its halo rows (kernels/lightgcn.h).
  virtual void lightgcn_layer_forward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* x0,
                                      const float* cur, float* y, float* out) = 0;
  virtual void lightgcn_layer_backward(const kernels::CsrView& adj, int64_t d, int layer, int layers, const float* g,
                                       const float* h, float* dst) = 0;
  virtual void sample_triples(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first,
                              int64_t count, int32_t* users, int32_t* pos, int32_t* neg) = 0;
  virtual void bpr_loss(const kernels::BprBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                        const float* user_emb0, const float* item_emb0, float reg_weight, float* grad_user_rep,
                        float* grad_item_rep, float* grad_user_emb0, float* grad_item_emb0, double* loss_sum) = 0;
  // One Adam step (kernels/adam.h) of param, m and v [n] with grad [n]; afterwards they hold the
  // step's result. moments_zero: the caller knows m and v are all zero. Returns whether the step was
  // left out, which a device may do only when moments_zero and grad is all zero (the step would
  // leave param, m and v as they are with weight decay 0). The CPU checks grad in its memory and
  // leaves such steps out; a GPU always steps, as checking would read a count back to the host.
  virtual bool adam_dense(int64_t n, const kernels::AdamParams& p, float* param, const float* grad, float* m,
                          float* v, bool moments_zero) = 0;
  // The step with param, m and v stored as bf16 (kernels/adam.h adam_bf16: stochastic rounding keyed
  // by seed, elements counted from counter_first); left out as adam_dense says.
  virtual bool adam_bf16(int64_t n, const kernels::AdamParams& p, uint64_t seed, uint64_t counter_first,
                         uint16_t* param, const float* grad, uint16_t* m, uint16_t* v, bool moments_zero) = 0;
  virtual void sample_negatives(const kernels::SamplerInputs& in, uint64_t seed, uint64_t epoch, int64_t first,
                                int64_t count, const int32_t* users, int n_candidates, int32_t* cand) = 0;
  virtual void knn_cosine_topk(int64_t n, int64_t dim, const float* features, int k, int32_t* idx, float* sim) = 0;
  // bf16 features (kernels/bf16.h bit patterns): the float op on the widened values.
  virtual void knn_cosine_topk_bf16(int64_t n, int64_t dim, const uint16_t* features, int k, int32_t* idx,
                                    float* sim) = 0;
  // The kNN op a block of candidates at a time (kernels/knn_block_topk.h): knn_topk_start empties
  // the lists idx / sim [n_rows x k], knn_block_topk merges into them the cosines of query rows
  // row_first .. row_first + n_rows - 1 against candidates col_first .. col_first + n_cols - 1 of n
  // items; once every item's block is merged the lists are knn_cosine_topk's rows, bit for bit.
  virtual void knn_topk_start(int64_t n_rows, int k, int32_t* idx, float* sim) = 0;
  virtual void knn_block_topk(int64_t n, int64_t dim, int64_t row_first, int64_t n_rows, const float* query,
                              int64_t col_first, int64_t n_cols, const float* block, int k, int32_t* idx,
                              float* sim) = 0;
  // FREEDOM's pruned adjacency for (seed, epoch) (kernels/edge_prune.h) from the training CSR
  // train_row_ptr [U+1], train_col [nnz] on this device: writes row_ptr [U+I+1], col and val
  // [2 n_keep] (0 <= n_keep <= nnz).
  virtual void pruned_adjacency(int32_t n_users, int32_t n_items, const int64_t* train_row_ptr,
                                const int32_t* train_col, int64_t nnz, int64_t n_keep, uint64_t seed, uint64_t epoch,
                                int64_t* row_ptr, int32_t* col, float* val) = 0;
  virtual void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* b,
                              float* y) = 0;
  virtual void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w, const float* dy,
                               float* dx, float* dw, float* db) = 0;
  // The layer with bf16 x (kernels/linear.h: widened a bounded tile at a time; no dx).
  virtual void linear_forward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* w,
                                    const float* b, float* y) = 0;
  virtual void linear_backward_bf16x(int64_t n, int64_t in, int64_t out, const uint16_t* x, const float* dy, float* dw,
                                     float* db) = 0;
  virtual void sigmoid_gate_forward(int64_t n, const float* x, const float* pre, float* out) = 0;
  virtual void sigmoid_gate_backward(int64_t n, const float* x, const float* pre, const float* dout, float* dx,
                                     float* dpre) = 0;
  virtual void attention_forward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* p,
                                 const float* q, float* t, float* a, float* z) = 0;
  virtual void attention_backward(int64_t n, int64_t d, int m, const float* h, const float* P, const float* q,
                                  const float* t, const float* a, const float* dz, float* dh, float* dP, float* dp,
                                  float* dq, float* work) = 0;
  virtual void l2_normalize_forward(int64_t n, int64_t d, const float* x, float* y) = 0;
  virtual void l2_normalize_backward(int64_t n, int64_t d, const float* x, const float* y, const float* dy,
                                     float* dx) = 0;
  virtual void gather_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) = 0;
  // The batch's distinct rows and multiplicities (kernels/batch_rows.h) into rows and counts; returns
  // the extents of their three parts, which the host knows without waiting for the device: the
  // distinct counts in the packed layout where the device computes them in host memory (the CPU),
  // else the rooms of the padded layout (a GPU: nothing is read back; rows past a part's distinct
  // ids are -1 with count 0, which gather_rows, scatter_add_rows, the rows hint and infonce_loss
  // treat as no row).
  virtual kernels::BatchRowSizes batch_rows(const kernels::BatchRowsInput& in, int32_t* rows, int32_t* counts) = 0;
  virtual void scatter_add_rows(int64_t n, int64_t d, const int32_t* idx, const float* src, float* dst) = 0;
  // counts: multiplicities of the b rows (device memory) out of `total`, or nullptr (kernels/infonce.h).
  virtual void infonce_loss(int64_t b, int64_t d, const float* a, const float* bv, const int32_t* counts,
                            int64_t total, float temperature, float weight, float* grad_a, float* grad_b,
                            double* loss_sum) = 0;
  virtual void pointwise_loss(kernels::PointwiseLoss kind, int64_t b, int64_t d, const int32_t* users,
                              const int32_t* items, const float* targets, const float* user_rep, const float* item_rep,
                              float weight, float* grad_user_rep, float* grad_item_rep, double* loss_sum) = 0;
  virtual void warp_loss(int64_t b, int64_t d, int n_candidates, int64_t n_items, const int32_t* users,
                         const int32_t* pos, const int32_t* cand, float margin, const float* user_rep,
                         const float* item_rep, float weight, float* grad_user_rep, float* grad_item_rep,
                         double* loss_sum) = 0;

  // The k best items of each of nb rows of block_rep [nb x d] against item_rep [n_items x d] by dot
  // product (kernels/topk.h: ties by the lower id, -1 past the unmasked items), skipping the items
  // that row r of each mask lists (masks' rows = block rows, first_user 0). top [nb x k] and
  // top_scores [nb x k] are device memory; the scores of the block are scratch of the device,
  // kept for the next block until release_scratch().
  // Frees the scratch memory ops keep from call to call (grown to the largest call's need): an
  // evaluation's block of scores (eval_batch_size x items floats) must not stay allocated
  // through the training steps that follow it. The next op that needs scratch allocates again.
  virtual void release_scratch() = 0;
  virtual void topk_of_rows(int64_t nb, const float* block_rep, const float* item_rep, int64_t d, int64_t n_items,
                            const kernels::RowMasks& masks, int k, int32_t* top, float* top_scores) = 0;

  // Adds the ranking metrics (kernels/ranking_metrics.h) of the top-K lists top [nb x k] against
  // truth (CSR rows = the nb rows, sorted items) at each cut-off into sums [5 x cutoffs.size()]
  // (exact fixed-point sums: the same bits in any order of the rows), and the number of rows with a
  // truth item into *counted (device memory).
  virtual void ranking_metrics(int64_t nb, int k, const int32_t* top, const kernels::CsrView& truth,
                               const std::vector<int>& cutoffs, kernels::MetricSum* sums, int64_t* counted) = 0;

 protected:
  // Every device calls these for each allocation it makes and releases, with its size.
  void count_allocated(size_t bytes) noexcept {
    const size_t now = in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    size_t peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  void count_released(size_t bytes) noexcept { in_use_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  std::atomic<size_t> in_use_{0}, peak_{0};
};

// padded_batch_rows: batch_rows in the padded layout, as a GPU lays them out (the models' padded
// path, checked on the CPU against the packed one).
std::unique_ptr<Device> make_cpu_device(bool padded_batch_rows = false);
// Only in builds with the CUDA backend (MMGRAPH_HAVE_CUDA); throws Error otherwise.
std::unique_ptr<Device> make_cuda_device(int device, bool deterministic);
// Number of usable CUDA devices; 0 without the CUDA backend or without a driver.
int cuda_device_count();
// "cpu", "cuda", "cuda:N" or "auto" (the first GPU when one exists, else the CPU).
std::unique_ptr<Device> select_device(const std::string& name, bool deterministic);

// An owning array of T in a device's memory.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(Device& dev, size_t count, const char* what) : dev_(&dev), count_(count) {
    if (count) ptr_ = static_cast<T*>(dev.allocate(count * sizeof(T), what));
  }
  static Buffer zeros(Device& dev, size_t count, const char* what) {
    Buffer b(dev, count, what);
    b.set_zero();
    return b;
  }
  static Buffer from_host(Device& dev, const T* host, size_t count, const char* what) {
    Buffer b(dev, count, what);
    if (count) dev.upload(b.ptr_, host, count * sizeof(T));
    return b;
  }
  static Buffer from_host(Device& dev, const std::vector<T>& host, const char* what) {
    return from_host(dev, host.data(), host.size(), what);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept
      : dev_(o.dev_), ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      dev_ = o.dev_;
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  ~Buffer() { reset(); }

  T* data() const { return ptr_; }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  void set_zero() {
    if (count_) dev_->zero(ptr_, count_ * sizeof(T));
  }
  void upload(const std::vector<T>& host) {
    if (host.size() != count_) throw std::logic_error("Buffer::upload: size mismatch");
    if (count_) dev_->upload(ptr_, host.data(), count_ * sizeof(T));
  }
  std::vector<T> to_host() const {
    std::vector<T> host(count_);
    if (count_) dev_->download(host.data(), ptr_, count_ * sizeof(T));
    return host;
  }

 private:
  void reset() {
    if (ptr_) dev_->release(ptr_);
    ptr_ = nullptr;
    count_ = 0;
  }
  Device* dev_ = nullptr;
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

// A CSR matrix in a device's memory, with its view.
struct DeviceCsr {
  Buffer<int64_t> row_ptr;
  Buffer<int32_t> col;
  Buffer<float> val;
  kernels::CsrView view;
};
DeviceCsr upload_csr(Device& dev, const kernels::CsrHost& csr, const char* what);
// The pattern of a CSR matrix without values: row_ptr [n_row_ptr] (n_rows + 1, or 0 for
// no rows) and col [nnz], read from host memory (a std::vector, or a mapped data set's array).
DeviceCsr upload_pattern(Device& dev, int64_t n_rows, int64_t n_cols, const int64_t* row_ptr, size_t n_row_ptr,
                         const int32_t* col, size_t nnz, const char* what);

}  // namespace mmgraph::detail
