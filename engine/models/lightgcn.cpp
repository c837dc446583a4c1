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
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class LightGcn final : public EmbeddingModel {
 public:
  LightGcn(const ModelContext& ctx, int layers) : EmbeddingModel(ctx, {}), layers_(layers), objective_(ctx) {
    if (layers_ > 0) {
      const NodeSet set = NodeSet::kUsersAndItems;
      rep_ = table(set, "representations");
      grad_rep_ = table(set, "representation gradients");
      grad_rep_.set_zero();
      work_ = Buffer<float>(dev_, static_cast<size_t>(prop_.user_item_work_floats(d_)), "propagation scratch");
      batch_rows_ = BatchRowSet(ctx);
    }
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    const NodeRows emb0 = emb(), grad_emb0 = grad_emb();
    const NodeRows rep = layers_ > 0 ? rep_.rows() : emb0;
    const NodeRows grad_rep = layers_ > 0 ? grad_rep_.rows() : grad_emb0;
    if (layers_ > 0) {
      // The objective reads the batch's rows of X only: the last layer is computed there.
      batch_rows_.build(batch, objective_);
      prop_.user_item_forward(UserItemGraph::kTraining, layers_, emb0, rep, work_.data(), &batch_rows_);
    }
    objective_.add(batch, rep, grad_rep, emb0, grad_emb0, loss_sum);
    if (layers_ > 0)  // grad_rep is zero again after it (zeros at construction)
      prop_.user_item_backward(UserItemGraph::kTraining, layers_, grad_rep, grad_emb0, work_.data(), &batch_rows_);
  }

  void propagate() override {
    if (layers_ > 0) prop_.user_item_forward(UserItemGraph::kFull, layers_, emb(), rep_.rows(), work_.data());
  }

  const float* user_rep() const override { return reps().users(); }
  const float* item_rep() const override { return reps().items(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // X: the propagated table, or E itself without layers.
  NodeRows reps() const { return layers_ > 0 ? rep_.rows() : emb(); }

  int layers_;
  Objective objective_;
  NodeTable rep_, grad_rep_;
  Buffer<float> work_;
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
