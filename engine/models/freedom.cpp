// FREEDOM (Zhou & Shen, "A Tale of Two Graphs: Freezing and Denoising Graph
// Structures for Multimodal Recommendation", ACM MM 2023), as MMRec implements it:
//   S  = sum_m w_m D^-1/2 kNN_m D^-1/2   frozen item-item graph of the raw features (edge weight 1)
//   Â_e = the user-item graph after degree-sensitive pruning (drop `dropout` of the edges each epoch)
//   X  = LightGCN(Â_e, [E_u; E_i]),  h = S^{n_mm_layers} E_i,  u = X_u,  i = X_i + h
//   loss = objective(u, i) + mm_bpr_weight * sum_m BPR(u, H_m[pos], H_m[neg]),  H_m = F_m W_m + b_m
// Evaluation uses the full Â. Backward: dX -> LightGCN backward -> dE; dh = dX_i -> S^T -> dE_i;
// dH_m -> projection backward.
// The modality BPR projects the batch's items alone (BatchModalityBpr, float32 storage), with the same arithmetic in one process and split over several:
// there each process holds its rows of E, Â (pruned each epoch alike on every process), S and S^T,
// and the propagation exchanges the halo rows each product reads.
#include <algorithm>
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

    item_graph_ = frozen_item_graph(ctx, mods_);

    const NodeSet both = NodeSet::kUsersAndItems;
    rep_ = table(both, "representations");
    grad_rep_ = table(both, "representation gradients");
    // The user-item pass's scratch, and the item graph's ([2 x items x d]).
    work_ = Buffer<float>(dev_, static_cast<size_t>(std::max(prop_.user_item_work_floats(d_), 2 * n_items_ * d_)),
                          "propagation scratch");
    h_ = table(NodeSet::kItems, "item graph output");
    modality_bpr_ = BatchModalityBpr(ctx, mods_, projections_, static_cast<float>(c_.mm_bpr_weight));
    cold_ = ColdItems(ctx, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override { prop_.begin_epoch(epoch); }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    forward(UserItemGraph::kTraining);
    grad_rep_.set_zero();
    const NodeRows e = emb(), grad_e = grad_emb();
    // The item rows of rep are X_i + h: d(X_i) = dh = d(item rep).
    objective_.add(batch, rep_.rows(), grad_rep_.rows(), e, grad_e, loss_sum);
    if (c_.mm_bpr_weight > 0) modality_bpr_.add(batch, rep_.rows(), grad_rep_.rows(), loss_sum);
    prop_.user_item_backward(UserItemGraph::kTraining, c_.n_layers, grad_rep_.rows(), grad_e, work_.data());
    prop_.item_item_backward(item_graph_, c_.n_mm_layers, d_, grad_rep_.items(), grad_e.items(), work_.data());
  }

  void propagate() override {
    forward(UserItemGraph::kFull);
    cold_.calibrate(prop_, {&item_graph_}, d_, rep_.items());
  }

  const float* user_rep() const override { return rep_.users(); }
  const float* item_rep() const override { return rep_.items(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // rep = LightGCN(graph, E), then rep's item rows += S^L E_i.
  void forward(UserItemGraph graph) {
    const NodeRows e = emb();
    prop_.user_item_forward(graph, c_.n_layers, e, rep_.rows(), work_.data());
    prop_.item_item_forward(item_graph_, c_.n_mm_layers, d_, e.items(), h_.data(), work_.data());
    dev_.axpy(n_items_ * d_, 1.0f, h_.data(), rep_.items());
  }

  Modalities mods_;
  Objective objective_;
  Projections projections_;
  ItemGraph item_graph_;
  NodeTable rep_, grad_rep_, h_;
  Buffer<float> work_;
  BatchModalityBpr modality_bpr_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_freedom_model(const ModelContext& ctx) { return std::make_unique<Freedom>(ctx); }

}  // namespace mmgraph::detail
