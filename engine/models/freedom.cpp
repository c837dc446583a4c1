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
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class Freedom final : public Model {
 public:
  explicit Freedom(const ModelContext& ctx)
      : ctx_(ctx), dev_(*ctx.dev), c_(*ctx.config), d_(c_.embedding_size), n_users_(ctx.data->n_users),
        n_items_(ctx.data->n_items), mods_(upload_modalities(ctx, "freedom")), objective_(ctx) {
    emb_ = &params_.add(dev_, "embedding", {n_users_ + n_items_, d_},
                          id_embedding_init(n_users_, n_items_, d_, c_.seed));
    projections_ = Projections(params_, dev_, mods_, n_items_, d_, c_.seed, 16, c_.learn_features);

    item_graph_ = frozen_item_graph(dev_, mods_, c_, n_items_);

    const size_t nd = emb_->value.size(), id = static_cast<size_t>(n_items_ * d_);
    rep_ = Buffer<float>(dev_, nd, "representations");
    grad_rep_ = Buffer<float>(dev_, nd, "representation gradients");
    work_ = Buffer<float>(dev_, 2 * nd, "propagation scratch");
    item_out_ = Buffer<float>(dev_, id, "item representations");
    h_ = Buffer<float>(dev_, id, "item graph output");
    proj_ = Buffer<float>(dev_, mods_.count() * id, "modality projections");
    grad_proj_ = Buffer<float>(dev_, mods_.count() * id, "modality projection gradients");
    cold_ = ColdItems(dev_, *ctx.data, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override {
    if (c_.dropout > 0) pruned_ = pruned_adjacency(ctx_, epoch);
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    const kernels::CsrView& adj = c_.dropout > 0 ? pruned_.view : ctx_.adjacency_dev->view;
    forward(adj);
    grad_rep_.set_zero();
    grad_proj_.set_zero();
    float* grad_emb = emb_->grad.data();
    const int64_t user_rows = n_users_ * d_;
    float* grad_items = grad_rep_.data() + user_rows;  // i = X_i + h: dX_i = dh = d(item rep)
    objective_.add(batch, d_, rep_.data(), item_out_.data(), grad_rep_.data(), grad_items, emb_->value.data(),
                   emb_->value.data() + user_rows, grad_emb, grad_emb + user_rows, loss_sum);
    if (c_.mm_bpr_weight > 0) {
      projections_.forward(proj_.data());
      add_modality_bpr(dev_, batch, static_cast<float>(c_.mm_bpr_weight), static_cast<int>(mods_.count()), n_items_, d_,
                       rep_.data(), proj_.data(), grad_rep_.data(), grad_proj_.data(), loss_sum);
      projections_.backward(grad_proj_.data());
    }
    dev_.lightgcn_backward(adj, d_, c_.n_layers, grad_rep_.data(), grad_emb, work_.data());
    item_graph_.backward(c_.n_mm_layers, d_, grad_items, grad_emb + user_rows, work_.data());
  }

  void propagate() override {
    forward(ctx_.adjacency_dev->view);
    cold_.calibrate({&item_graph_}, d_, item_out_.data());
  }

  const float* user_rep() const override { return rep_.data(); }
  const float* item_rep() const override { return item_out_.data(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // rep = LightGCN(adj, E); item_out = rep_items + S^L E_i.
  void forward(const kernels::CsrView& adj) {
    const int64_t user_rows = n_users_ * d_, item_floats = n_items_ * d_;
    dev_.lightgcn_forward(adj, d_, c_.n_layers, emb_->value.data(), rep_.data(), work_.data());
    dev_.copy(item_out_.data(), rep_.data() + user_rows, static_cast<size_t>(item_floats) * sizeof(float));
    item_graph_.forward(c_.n_mm_layers, d_, emb_->value.data() + user_rows, h_.data(), work_.data());
    dev_.axpy(item_floats, 1.0f, h_.data(), item_out_.data());
  }

  ModelContext ctx_;
  Device& dev_;
  const TrainConfig& c_;
  int64_t d_, n_users_, n_items_;
  Modalities mods_;
  Objective objective_;
  Param* emb_ = nullptr;
  Projections projections_;
  ItemGraph item_graph_;
  DeviceCsr pruned_;
  Buffer<float> rep_, grad_rep_, work_, item_out_, h_, proj_, grad_proj_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_freedom_model(const ModelContext& ctx) { return std::make_unique<Freedom>(ctx); }

}  // namespace mmgraph::detail
