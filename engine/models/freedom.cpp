// FREEDOM (Zhou & Shen, "A Tale of Two Graphs: Freezing and Denoising Graph
// Structures for Multimodal Recommendation", ACM MM 2023), as MMRec implements it:
//   S  = sum_m w_m D^-1/2 kNN_m D^-1/2   frozen item-item graph of the raw features (edge weight 1)
//   Â_e = the user-item graph after degree-sensitive pruning (drop `dropout` of the edges each epoch)
//   X  = LightGCN(Â_e, [E_u; E_i]),  h = S^{n_mm_layers} E_i,  u = X_u,  i = X_i + h
//   loss = objective(u, i) + mm_bpr_weight * sum_m BPR(u, H_m[pos], H_m[neg]),  H_m = F_m W_m + b_m
// Evaluation uses the full Â. Backward: dX -> LightGCN backward -> dE; dh = dX_i -> S^T -> dE_i;
// dH_m -> projection backward.
#include <memory>

#include "engine/models/blocks/cold_items.h"
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class Freedom final : public EmbeddingModel {
 public:
  explicit Freedom(const ModelContext& ctx)
      : EmbeddingModel(ctx, {.prune_edges = ctx.config->dropout > 0}), mods_(upload_modalities(ctx, "freedom")),
        objective_(ctx) {
    projections_ = Projections(params_, dev_, nodes_, mods_, d_, c_.seed, 16, c_.learn_features);

    item_graph_ = frozen_item_graph(dev_, mods_, c_, n_items_);

    const NodeSet both = NodeSet::kUsersAndItems;
    rep_ = table(both, "representations");
    grad_rep_ = table(both, "representation gradients");
    work_ = Buffer<float>(dev_, 2 * static_cast<size_t>(rep_.size()), "propagation scratch");
    item_out_ = table(NodeSet::kItems, "item representations");
    h_ = table(NodeSet::kItems, "item graph output");
    const auto id = static_cast<size_t>(n_items_ * d_);
    proj_ = Buffer<float>(dev_, mods_.count() * id, "modality projections");
    grad_proj_ = Buffer<float>(dev_, mods_.count() * id, "modality projection gradients");
    cold_ = ColdItems(dev_, *ctx.data, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override { prop_.begin_epoch(epoch); }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    forward(UserItemGraph::kTraining);
    grad_rep_.set_zero();
    grad_proj_.set_zero();
    const NodeRows e = emb(), grad_e = grad_emb();
    float* grad_items = grad_rep_.items();  // i = X_i + h: dX_i = dh = d(item rep)
    objective_.add(batch, d_, rep_.users(), item_out_.data(), grad_rep_.users(), grad_items, e.users(), e.items(),
                   grad_e.users(), grad_e.items(), loss_sum);
    if (c_.mm_bpr_weight > 0) {
      projections_.forward(proj_.data());
      add_modality_bpr(dev_, batch, static_cast<float>(c_.mm_bpr_weight), static_cast<int>(mods_.count()), n_items_, d_,
                       rep_.users(), proj_.data(), grad_rep_.users(), grad_proj_.data(), loss_sum);
      projections_.backward(grad_proj_.data());
    }
    prop_.user_item_backward(UserItemGraph::kTraining, c_.n_layers, grad_rep_.rows(), grad_e, work_.data());
    prop_.item_item_backward(item_graph_, c_.n_mm_layers, d_, grad_items, grad_e.items(), work_.data());
  }

  void propagate() override {
    forward(UserItemGraph::kFull);
    cold_.calibrate(prop_, {&item_graph_}, d_, item_out_.data());
  }

  const float* user_rep() const override { return rep_.users(); }
  const float* item_rep() const override { return item_out_.data(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // rep = LightGCN(graph, E); item_out = rep_items + S^L E_i.
  void forward(UserItemGraph graph) {
    const NodeRows e = emb();
    prop_.user_item_forward(graph, c_.n_layers, e, rep_.rows(), work_.data());
    dev_.copy(item_out_.data(), rep_.items(), static_cast<size_t>(item_out_.size()) * sizeof(float));
    prop_.item_item_forward(item_graph_, c_.n_mm_layers, d_, e.items(), h_.data(), work_.data());
    dev_.axpy(item_out_.size(), 1.0f, h_.data(), item_out_.data());
  }

  Modalities mods_;
  Objective objective_;
  Projections projections_;
  ItemGraph item_graph_;
  NodeTable rep_, grad_rep_, item_out_, h_;
  Buffer<float> work_, proj_, grad_proj_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_freedom_model(const ModelContext& ctx) { return std::make_unique<Freedom>(ctx); }

}  // namespace mmgraph::detail
