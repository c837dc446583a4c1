// mmgraph: our default multimodal model. LATTICE's backbone (a frozen weighted
// kNN item graph of the raw features mixed with a graph re-learnt from learnt
// content; items = LightGCN item + the L2-normalised item-graph term), whose
// re-learnt graph is built from the items' content fused by modality-aware
// attention, plus an InfoNCE term between the collaborative and item-graph views
// and cold items placed by their content neighbours at evaluation:
//   H_m = F_m W_m + b_m (F_m's rows at unit norm),  a = softmax_m(q . tanh(H_m P + p)),  Z = sum_m a_m H_m
//   S = (1 - lambda_coeff) kNN(Z) + lambda_coeff sum_m w_m kNN(F_m)   (cosine edges, D^-1/2 A D^-1/2 each;
//       kNN(Z) re-learnt every graph_update_every epochs, no gradient through the selection)
//   X = LightGCN(Â_e, [E_u; E_i])  (Â_e: FREEDOM's degree-sensitive pruning when dropout > 0; evaluation on Â)
//   h = S^{n_mm_layers} E_i,  u = X_u,  i = X_i + h / |h|
//   loss = objective(u, i) + mm_bpr_weight * BPR(u, Z[pos], Z[neg]) + cl_weight * InfoNCE(X_i[pos], h[pos])
// The attention is trained by the BPR term on Z, which makes the fused content
// predict the users' choices before its kNN graph is taken. An item without
// training interactions has no collaborative signal of its own; at evaluation
// it takes its content neighbours' representation over S (blocks/cold_items.h,
// cold_scale). README "Models" gives the validation runs behind each part.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/models/blocks/cold_items.h"
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"
#include "kernels/modality_attention.h"

namespace mmgraph::detail {

namespace {

class MmGraph final : public EmbeddingModel {
 public:
  explicit MmGraph(const ModelContext& ctx)
      : EmbeddingModel(ctx, {.prune_edges = ctx.config->dropout > 0}),
        mods_(upload_modalities(ctx, "mmgraph", true)), m_(static_cast<int>(mods_.count())), objective_(ctx) {
    projections_ = Projections(params_, dev_, nodes_, mods_, d_, c_.seed, 16, c_.learn_features);
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_)));
    const ParamPlacement replicated = ParamPlacement::replicated();
    att_P_ = &params_.add(dev_, "attention.weight", {d_, d_}, uniform_values(d_ * d_, bound, c_.seed, 64), replicated);
    att_p_ = &params_.add(dev_, "attention.bias", {d_}, uniform_values(d_, bound, c_.seed, 65), replicated);
    att_q_ = &params_.add(dev_, "attention.query", {d_}, uniform_values(d_, bound, c_.seed, 66), replicated);
    graph_ = MixedItemGraph(ctx, mods_);

    const size_t id = static_cast<size_t>(n_items_ * d_), m = mods_.count();
    for (auto* t : {&x_, &grad_x_}) *t = table(NodeSet::kUsersAndItems, "representations");
    const auto nd = static_cast<size_t>(x_.size());
    work_ = Buffer<float>(
        dev_, std::max(2 * nd, static_cast<size_t>(kernels::modality_attention_work_floats(n_items_, d_, m_))),
        "scratch");
    for (auto* t : {&item_out_, &grad_item_out_, &h_, &h_norm_, &grad_h_, &z_, &grad_z_})
      *t = table(NodeSet::kItems, "item activations");
    for (auto* b : {&proj_, &grad_proj_, &att_t_}) *b = Buffer<float>(dev_, m * id, "modality activations");
    att_a_ = Buffer<float>(dev_, static_cast<size_t>(n_items_) * m, "attention weights");
    const size_t b = static_cast<size_t>(c_.train_batch_size * d_);
    for (auto* buf : {&cl_a_, &cl_b_, &cl_ga_, &cl_gb_}) *buf = Buffer<float>(dev_, b, "InfoNCE rows");
    cold_ = ColdItems(ctx, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override {
    prop_.begin_epoch(epoch);
    if (epoch % static_cast<uint64_t>(c_.graph_update_every) != 0) return;
    fuse_content();
    graph_.relearn(z_.data(), d_, {1.0f});
  }

  std::vector<io::TensorToWrite> state() const override { return graph_.state(); }
  void restore_state(const io::Safetensors& checkpoint) override { graph_.restore_state(checkpoint); }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    forward(UserItemGraph::kTraining);
    grad_x_.set_zero();
    grad_h_.set_zero();
    const NodeRows e = emb(), grad_e = grad_emb();
    float* grad_xi = grad_x_.items();
    // i = X_i + normalize(h): d(i) goes to X_i and to h.
    objective_.add(batch, d_, x_.users(), item_out_.data(), grad_x_.users(), grad_xi, e.users(), e.items(),
                   grad_e.users(), grad_e.items(), loss_sum);
    dev_.copy(grad_item_out_.data(), grad_xi, static_cast<size_t>(grad_item_out_.size()) * sizeof(float));
    if (c_.mm_bpr_weight > 0) {
      fuse_content();
      grad_z_.set_zero();
      add_modality_bpr(dev_, batch, static_cast<float>(c_.mm_bpr_weight), 1, n_items_, d_, x_.users(), z_.data(),
                       grad_x_.users(), grad_z_.data(), loss_sum);
    }
    if (c_.cl_weight > 0) {
      dev_.gather_rows(batch.size, d_, batch.pos, x_.items(), cl_a_.data());
      dev_.gather_rows(batch.size, d_, batch.pos, h_.data(), cl_b_.data());
      cl_ga_.set_zero();
      cl_gb_.set_zero();
      dev_.infonce_loss(batch.size, d_, cl_a_.data(), cl_b_.data(), nullptr, batch.size,
                        static_cast<float>(c_.cl_temperature), static_cast<float>(c_.cl_weight), cl_ga_.data(),
                        cl_gb_.data(), loss_sum);
      dev_.scatter_add_rows(batch.size, d_, batch.pos, cl_ga_.data(), grad_xi);
      dev_.scatter_add_rows(batch.size, d_, batch.pos, cl_gb_.data(), grad_h_.data());
    }
    prop_.user_item_backward(UserItemGraph::kTraining, c_.n_layers, grad_x_.rows(), grad_e, work_.data());
    graph_.normalized_backward(prop_, c_.n_mm_layers, d_, h_.data(), h_norm_.data(), grad_item_out_.data(),
                               grad_h_.data(), grad_e.items(), work_.data());
    if (c_.mm_bpr_weight > 0) {
      grad_proj_.set_zero();
      dev_.attention_backward(n_items_, d_, m_, proj_.data(), att_P_->value.data(), att_q_->value.data(),
                              att_t_.data(), att_a_.data(), grad_z_.data(), grad_proj_.data(), att_P_->grad.data(),
                              att_p_->grad.data(), att_q_->grad.data(), work_.data());
      projections_.backward(grad_proj_.data());
    }
  }

  void propagate() override {
    forward(UserItemGraph::kFull);
    cold_.calibrate(prop_, {&graph_.graph()}, d_, item_out_.data());
  }
  const float* user_rep() const override { return x_.users(); }
  const float* item_rep() const override { return item_out_.data(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // Z = attention over the projections H_m (att_t_, att_a_ kept for the backward).
  void fuse_content() {
    projections_.forward(proj_.data());
    dev_.attention_forward(n_items_, d_, m_, proj_.data(), att_P_->value.data(), att_p_->value.data(),
                           att_q_->value.data(), att_t_.data(), att_a_.data(), z_.data());
  }

  void forward(UserItemGraph graph) {
    const NodeRows e = emb();
    prop_.user_item_forward(graph, c_.n_layers, e, x_.rows(), work_.data());
    graph_.normalized_forward(prop_, c_.n_mm_layers, d_, e.items(), x_.items(), h_.data(), h_norm_.data(),
                              item_out_.data(), work_.data());
  }

  Modalities mods_;
  int m_;
  Objective objective_;
  Projections projections_;
  Param *att_P_ = nullptr, *att_p_ = nullptr, *att_q_ = nullptr;
  MixedItemGraph graph_;  // the re-learnt S (checkpointed)
  NodeTable x_, grad_x_, item_out_, grad_item_out_, h_, h_norm_, grad_h_, z_, grad_z_;
  Buffer<float> work_, proj_, grad_proj_, att_t_, att_a_, cl_a_, cl_b_, cl_ga_, cl_gb_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_mmgraph_model(const ModelContext& ctx) { return std::make_unique<MmGraph>(ctx); }

}  // namespace mmgraph::detail
