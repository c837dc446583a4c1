// LightGCN (He et al., SIGIR 2020): id embeddings E = [E_u; E_i] propagated
// over the normalised user-item graph, X = mean(E, ÂE, ..., Â^L E); score u.i;
// the objective (BPR by default) on X with L2 on the batch's rows of E
// (LightGCN's convention). A training step computes X only at the batch's rows (the objective
// reads and writes no other): the backward reads dX there alone and leaves it zero for the next
// step; propagate() computes every row.
//   forward:  X = lightgcn_forward(Â, E)
//   backward: dE = lightgcn_backward(Â, dX) + dL2/dE   (the BPR op adds the L2 part)
#include "engine/models/lightgcn.h"

#include "engine/models/blocks/batch_rows.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class LightGcn final : public Model {
 public:
  LightGcn(const ModelContext& ctx, int layers)
      : ctx_(ctx), dev_(*ctx.dev), d_(ctx.config->embedding_size), layers_(layers),
        n_users_(ctx.data->n_users), n_items_(ctx.data->n_items), objective_(ctx) {
    emb_ = &params_.add(dev_, "embedding", {n_users_ + n_items_, d_},
                        id_embedding_init(n_users_, n_items_, d_, ctx.config->seed));
    if (layers_ > 0) {
      const size_t nd = emb_->value.size();
      rep_ = Buffer<float>(dev_, nd, "representations");
      grad_rep_ = Buffer<float>::zeros(dev_, nd, "representation gradients");
      work_ = Buffer<float>(dev_, 2 * nd, "propagation scratch");
      batch_rows_ = BatchRowSet(ctx);
    }
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    float* emb = emb_->value.data();
    float* grad_emb = emb_->grad.data();
    float* rep = layers_ > 0 ? rep_.data() : emb;
    float* grad_rep = layers_ > 0 ? grad_rep_.data() : grad_emb;
    if (layers_ > 0) {
      // The objective reads the batch's rows of X only: the last layer is computed there.
      batch_rows_.build(batch, objective_);
      dev_.lightgcn_forward(adjacency(), d_, layers_, emb, rep, work_.data(), batch_rows_.rows(), batch_rows_.size());
    }
    const int64_t user_rows = n_users_ * d_;
    objective_.add(batch, d_, rep, rep + user_rows, grad_rep, grad_rep + user_rows, emb, emb + user_rows, grad_emb,
                   grad_emb + user_rows, loss_sum);
    if (layers_ > 0)  // grad_rep is zero again after it (zeros at construction)
      dev_.lightgcn_backward(adjacency(), d_, layers_, grad_rep, grad_emb, work_.data(), batch_rows_.rows(),
                             batch_rows_.size());
  }

  void propagate() override {
    if (layers_ > 0) dev_.lightgcn_forward(adjacency(), d_, layers_, emb_->value.data(), rep_.data(), work_.data());
  }

  const float* user_rep() const override { return layers_ > 0 ? rep_.data() : emb_->value.data(); }
  const float* item_rep() const override { return user_rep() + n_users_ * d_; }
  int64_t rep_dim() const override { return d_; }

 private:
  const kernels::CsrView& adjacency() const { return ctx_.adjacency_dev->view; }

  ModelContext ctx_;
  Device& dev_;
  int64_t d_;
  int layers_;
  int64_t n_users_, n_items_;
  Objective objective_;
  Param* emb_ = nullptr;
  Buffer<float> rep_, grad_rep_, work_;
  BatchRowSet batch_rows_;  // the rows of X a training step reads
};

}  // namespace

std::unique_ptr<Model> make_lightgcn_with_layers(const ModelContext& ctx, int layers) {
  return std::make_unique<LightGcn>(ctx, layers);
}

std::unique_ptr<Model> make_lightgcn_model(const ModelContext& ctx) {
  return make_lightgcn_with_layers(ctx, ctx.config->n_layers);
}

}  // namespace mmgraph::detail
