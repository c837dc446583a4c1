// The CUDA backend: the CPU backend's twin on one GPU. All device memory is
// allocated in setup(); a training step and an evaluation block allocate nothing.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/src/backend.h"
#include "engine/src/device_buffer.h"
#include "engine/src/eval_blocks.h"
#include "kernels/adam.h"
#include "kernels/bpr.h"
#include "kernels/cuda_check.h"
#include "kernels/lightgcn.h"
#include "kernels/ranking_metrics.h"
#include "kernels/sampler.h"
#include "kernels/topk.h"

namespace mmgraph::detail {

namespace {

// loss_sum += loss[0] + loss[1] (one thread): keeps the epoch loss on the device.
__global__ void accumulate_loss(const float* loss, double* loss_sum) {
  *loss_sum += static_cast<double>(loss[0]) + static_cast<double>(loss[1]);
}

// Stream and library handles of one device; passed explicitly, never global.
class Resources {
 public:
  explicit Resources(int device) : device_(device) {
    MMGRAPH_CUDA_CHECK(cudaSetDevice(device));
    MMGRAPH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MMGRAPH_CUDA_CHECK(cublasCreate(&cublas_));
    MMGRAPH_CUDA_CHECK(cublasSetStream(cublas_, stream_));
  }
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;
  ~Resources() {
    cublasDestroy(cublas_);
    cudaStreamDestroy(stream_);
  }
  int device() const { return device_; }
  // Makes this device current for the calling thread (the kernels' shape
  // queries and launches use the current device).
  void activate() const { MMGRAPH_CUDA_CHECK(cudaSetDevice(device_)); }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }

 private:
  int device_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
};

// A CSR split (rows by user) on the device, with its view.
struct DeviceCsr {
  DeviceBuffer<int64_t> row_ptr;
  DeviceBuffer<int32_t> col;
  DeviceBuffer<float> val;
  kernels::CsrView view;
  void upload(int64_t n_rows, int64_t n_cols, const std::vector<int64_t>& rp, const std::vector<int32_t>& c,
              const std::vector<float>* v, const char* what) {
    row_ptr.upload(rp, what);
    col.upload(c, what);
    if (v) val.upload(*v, what);
    view = kernels::CsrView{n_rows, n_cols, static_cast<int64_t>(c.size()), row_ptr.get(), col.get(),
                            v ? val.get() : nullptr};
  }
};

class CudaBackend final : public Backend {
 public:
  // Largest block of scores evaluate() keeps (1 GiB of floats): with millions
  // of items the block shrinks below eval_batch_size users.
  static constexpr int64_t kMaxScoreFloats = int64_t{1} << 28;

  explicit CudaBackend(int device) : res_(device) {}

  std::string describe() const override {
    cudaDeviceProp prop{};
    MMGRAPH_CUDA_CHECK(cudaGetDeviceProperties(&prop, res_.device()));
    return "cuda:" + std::to_string(res_.device()) + " (" + prop.name + ")";
  }

  void setup(const TrainProblem& problem) override {
    res_.activate();
    problem_ = &problem;
    const TrainConfig& c = *problem.config;
    const Dataset& data = *problem.data;
    d_ = c.embedding_size;
    layers_ = c.model == "bpr" ? 0 : c.n_layers;
    n_users_ = data.n_users;
    n_items_ = data.n_items;
    const size_t nd = problem.init_emb.size();
    const auto& adj = problem.adjacency;
    adj_.upload(adj.n_rows, adj.n_cols, adj.row_ptr, adj.col, &adj.val, "adjacency");
    train_.upload(n_users_, n_items_, data.train.row_ptr, data.train.col, nullptr, "train split");
    valid_.upload(n_users_, n_items_, data.valid.row_ptr, data.valid.col, nullptr, "valid split");
    test_.upload(n_users_, n_items_, data.test.row_ptr, data.test.col, nullptr, "test split");
    pair_user_.upload(problem.pair_user, "training pairs");
    emb_.upload(problem.init_emb, "embeddings");
    for (auto* b : {&m_, &v_, &grad_emb_}) b->allocate(nd, "optimizer state");
    if (layers_ > 0) {
      rep_.allocate(nd, "representations");
      grad_rep_.allocate(nd, "representation gradients");
      work_.allocate(2 * nd, "propagation scratch");
      spmm_scratch_.allocate(kernels::spmm_csr_cuda_scratch_bytes(adj_.view, d_), "SpMM partial sums");
    }
    const int64_t batch = c.train_batch_size;
    users_.allocate(static_cast<size_t>(batch), "batch");
    pos_.allocate(static_cast<size_t>(batch), "batch");
    neg_.allocate(static_cast<size_t>(batch), "batch");
    bpr_scratch_.allocate(kernels::bpr_scratch_bytes(batch, d_), "BPR scratch");
    loss_.allocate(2, "loss");
    loss_sum_.allocate(1, "loss");
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_sum_.get(), 0, sizeof(double), res_.stream()));
    for (auto* b : {&m_, &v_})
      MMGRAPH_CUDA_CHECK(cudaMemsetAsync(b->get(), 0, nd * sizeof(float), res_.stream()));
    sampler_ = kernels::SamplerInputs{data.train.nnz(), pair_user_.get(), train_.col.get(), train_.row_ptr.get(),
                                      train_.col.get(), static_cast<int32_t>(n_items_)};
    // Users per scoring block: eval_batch_size, but at most kMaxScoreFloats scores.
    eval_block_ = std::max<int64_t>(
        1, std::min<int64_t>({c.eval_batch_size, n_users_, kMaxScoreFloats / std::max<int64_t>(1, n_items_)}));
    scores_.allocate(static_cast<size_t>(eval_block_ * n_items_), "evaluation scores");
    top_.allocate(static_cast<size_t>(eval_block_ * kernels::kMaxTopK), "evaluation top-K");
    metric_sums_.allocate(kernels::kRankingMetrics * 8, "metric sums");
    counted_.allocate(1, "metric count");
  }

  void train_step(uint64_t epoch, int64_t first, int64_t count, int64_t adam_step) override {
    const TrainConfig& c = *problem_->config;
    res_.activate();
    cudaStream_t s = res_.stream();
    kernels::sample_bpr_triples_cuda(sampler_, c.seed, epoch, first, count, users_.get(), pos_.get(), neg_.get(), s);
    const size_t nd = emb_.size();
    float* rep = layers_ > 0 ? rep_.get() : emb_.get();
    float* grad_rep = layers_ > 0 ? grad_rep_.get() : grad_emb_.get();
    if (layers_ > 0) {
      kernels::lightgcn_forward_cuda(adj_.view, d_, layers_, emb_.get(), rep, work_.get(), spmm_scratch_.get(), s);
      MMGRAPH_CUDA_CHECK(cudaMemsetAsync(grad_rep_.get(), 0, nd * sizeof(float), s));
    }
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(grad_emb_.get(), 0, nd * sizeof(float), s));
    const int64_t user_rows = n_users_ * d_;
    const kernels::BprBatch batch{count, users_.get(), pos_.get(), neg_.get()};
    kernels::bpr_loss_fused_cuda(batch, d_, rep, rep + user_rows, emb_.get(), emb_.get() + user_rows,
                                 static_cast<float>(c.reg_weight), grad_rep, grad_rep + user_rows, grad_emb_.get(),
                                 grad_emb_.get() + user_rows, loss_.get(), c.deterministic, bpr_scratch_.get(), s);
    cuda::launch("accumulate_loss", &accumulate_loss, 1, 1, s, loss_.get(), loss_sum_.get());
    if (layers_ > 0)
      kernels::lightgcn_backward_cuda(adj_.view, d_, layers_, grad_rep, grad_emb_.get(), work_.get(),
                                      spmm_scratch_.get(), s);
    kernels::AdamParams adam;
    adam.lr = static_cast<float>(c.learning_rate);
    adam.step = adam_step;
    kernels::adam_dense_cuda(static_cast<int64_t>(nd), adam, emb_.get(), grad_emb_.get(), m_.get(), v_.get(), s);
  }

  double take_loss_sum() override {
    res_.activate();
    double sum = 0;
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(&sum, loss_sum_.get(), sizeof(double), cudaMemcpyDeviceToHost, res_.stream()));
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(loss_sum_.get(), 0, sizeof(double), res_.stream()));
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(res_.stream()));
    return sum;
  }

  void propagate() override {
    res_.activate();
    if (layers_ > 0)
      kernels::lightgcn_forward_cuda(adj_.view, d_, layers_, emb_.get(), rep_.get(), work_.get(), spmm_scratch_.get(),
                                     res_.stream());
  }

  MetricTable evaluate(Split split, const std::vector<int>& topk) override {
    const int k = max_k(topk);
    if (topk.size() > 8) throw InputError("config", "topk", "the CUDA evaluator supports at most 8 cut-offs");
    res_.activate();
    cudaStream_t s = res_.stream();
    const float* rep = layers_ > 0 ? rep_.get() : emb_.get();
    const float* items = rep + n_users_ * d_;
    kernels::RowMasks masks;
    masks.mask[masks.count++] = train_.view;
    if (split == Split::kTest) masks.mask[masks.count++] = valid_.view;
    const kernels::CsrView truth = split == Split::kValid ? valid_.view : test_.view;
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(metric_sums_.get(), 0, metric_sums_.size() * sizeof(double), s));
    MMGRAPH_CUDA_CHECK(cudaMemsetAsync(counted_.get(), 0, sizeof(unsigned long long), s));
    const float alpha = 1.0f, beta = 0.0f;
    for (int64_t first = 0; first < n_users_; first += eval_block_) {
      const int64_t nb = std::min<int64_t>(eval_block_, n_users_ - first);
      // Row-major scores [nb x I] = users [nb x d] items^T, as column-major [I x nb].
      MMGRAPH_CUDA_CHECK(cublasSgemm(res_.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n_items_),
                                     static_cast<int>(nb), d_, &alpha, items, d_, rep + first * d_, d_, &beta,
                                     scores_.get(), static_cast<int>(n_items_)));
      kernels::topk_masked_rows_cuda(nb, n_items_, scores_.get(), n_items_, first, masks, k, top_.get(), nullptr, s);
      kernels::ranking_metrics_cuda(nb, k, top_.get(), first, truth, topk.data(), static_cast<int>(topk.size()),
                                    metric_sums_.get(), counted_.get(), s);
    }
    std::vector<double> sums(kernels::kRankingMetrics * topk.size());
    unsigned long long counted = 0;
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(sums.data(), metric_sums_.get(), sums.size() * sizeof(double),
                                       cudaMemcpyDeviceToHost, s));
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(&counted, counted_.get(), sizeof(counted), cudaMemcpyDeviceToHost, s));
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(s));
    return metric_table(topk, sums, static_cast<int64_t>(counted));
  }

  void copy_representations(float* host_out) override {
    res_.activate();
    const float* rep = layers_ > 0 ? rep_.get() : emb_.get();
    MMGRAPH_CUDA_CHECK(cudaMemcpyAsync(host_out, rep, emb_.size() * sizeof(float), cudaMemcpyDeviceToHost, res_.stream()));
    MMGRAPH_CUDA_CHECK(cudaStreamSynchronize(res_.stream()));
  }

 private:
  Resources res_;
  const TrainProblem* problem_ = nullptr;
  int d_ = 0, layers_ = 0;
  int64_t n_users_ = 0, n_items_ = 0, eval_block_ = 1;
  DeviceCsr adj_, train_, valid_, test_;
  DeviceBuffer<int32_t> pair_user_, users_, pos_, neg_, top_;
  DeviceBuffer<float> emb_, m_, v_, grad_emb_, rep_, grad_rep_, work_, loss_, scores_;
  DeviceBuffer<double> loss_sum_, metric_sums_;
  DeviceBuffer<unsigned long long> counted_;
  DeviceBuffer<char> bpr_scratch_, spmm_scratch_;
  kernels::SamplerInputs sampler_;
};

}  // namespace

// The trainer has checked that the device exists (select_backend).
std::unique_ptr<Backend> make_cuda_backend(int device) { return std::make_unique<CudaBackend>(device); }

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
