// The CPU backend: LightGCN training and evaluation with the CPU reference ops
// of kernels/ (OpenMP inside each op, CBLAS GEMM for scoring).
#include <omp.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "engine/src/backend.h"
#include "kernels/adam.h"
#include "kernels/bpr.h"
#include "kernels/lightgcn.h"
#include "kernels/sampler.h"

namespace mmgraph::detail {

namespace {

class CpuBackend final : public Backend {
 public:
  std::string describe() const override {
    return fmt::format("cpu ({} threads)", omp_get_max_threads());
  }

  void setup(const TrainProblem& problem) override {
    problem_ = &problem;
    const TrainConfig& c = *problem.config;
    d_ = c.embedding_size;
    layers_ = c.model == "bpr" ? 0 : c.n_layers;
    n_users_ = problem.data->n_users;
    const size_t nd = problem.init_emb.size();
    emb_ = problem.init_emb;
    m_.assign(nd, 0.0f);
    v_.assign(nd, 0.0f);
    grad_emb_.assign(nd, 0.0f);
    if (layers_ > 0) {
      rep_.assign(nd, 0.0f);
      grad_rep_.assign(nd, 0.0f);
      work_.assign(2 * nd, 0.0f);
    }
    const size_t b = static_cast<size_t>(c.train_batch_size);
    users_.resize(b);
    pos_.resize(b);
    neg_.resize(b);
    sampler_.n_pairs = problem.data->train.nnz();
    sampler_.pair_user = problem.pair_user.data();
    sampler_.pair_item = problem.data->train.col.data();
    sampler_.train_row_ptr = problem.data->train.row_ptr.data();
    sampler_.train_col = problem.data->train.col.data();
    sampler_.n_items = problem.data->n_items;
    loss_sum_ = 0;
  }

  void train_step(uint64_t epoch, int64_t first, int64_t count, int64_t adam_step) override {
    const TrainConfig& c = *problem_->config;
    kernels::sample_bpr_triples_cpu(sampler_, c.seed, epoch, first, count, users_.data(), pos_.data(),
                                    neg_.data());
    const kernels::CsrView adj = problem_->adjacency.view();
    float* rep = layers_ > 0 ? rep_.data() : emb_.data();
    float* grad_rep = layers_ > 0 ? grad_rep_.data() : grad_emb_.data();
    if (layers_ > 0) {
      kernels::lightgcn_forward_cpu(adj, d_, layers_, emb_.data(), rep, work_.data());
      std::fill(grad_rep_.begin(), grad_rep_.end(), 0.0f);
    }
    std::fill(grad_emb_.begin(), grad_emb_.end(), 0.0f);
    const int64_t user_rows = static_cast<int64_t>(n_users_) * d_;
    const kernels::BprBatch batch{count, users_.data(), pos_.data(), neg_.data()};
    const kernels::BprLoss loss = kernels::bpr_loss_fused_cpu(
        batch, d_, rep, rep + user_rows, emb_.data(), emb_.data() + user_rows,
        static_cast<float>(c.reg_weight), grad_rep, grad_rep + user_rows, grad_emb_.data(),
        grad_emb_.data() + user_rows);
    loss_sum_ += loss.bpr + loss.reg;
    if (layers_ > 0)
      kernels::lightgcn_backward_cpu(adj, d_, layers_, grad_rep, grad_emb_.data(), work_.data());
    kernels::AdamParams adam;
    adam.lr = static_cast<float>(c.learning_rate);
    adam.step = adam_step;
    kernels::adam_dense_cpu(static_cast<int64_t>(emb_.size()), adam, emb_.data(), grad_emb_.data(),
                            m_.data(), v_.data());
  }

  double take_loss_sum() override {
    const double s = loss_sum_;
    loss_sum_ = 0;
    return s;
  }

  void propagate() override {
    if (layers_ > 0)
      kernels::lightgcn_forward_cpu(problem_->adjacency.view(), d_, layers_, emb_.data(), rep_.data(),
                                    work_.data());
  }

  MetricTable evaluate(Split split, const std::vector<int>& topk) override {
    const float* rep = layers_ > 0 ? rep_.data() : emb_.data();
    return evaluate_cpu(*problem_->data, split, rep, rep + static_cast<int64_t>(n_users_) * d_, d_, topk,
                        problem_->config->eval_batch_size);
  }

  void copy_representations(float* host_out) override {
    const std::vector<float>& rep = layers_ > 0 ? rep_ : emb_;
    std::copy(rep.begin(), rep.end(), host_out);
  }

 private:
  const TrainProblem* problem_ = nullptr;
  int d_ = 0, layers_ = 0;
  int32_t n_users_ = 0;
  std::vector<float> emb_, m_, v_, grad_emb_, rep_, grad_rep_, work_;
  std::vector<int32_t> users_, pos_, neg_;
  kernels::SamplerInputs sampler_;
  double loss_sum_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace mmgraph::detail
