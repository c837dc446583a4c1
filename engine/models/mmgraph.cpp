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
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"
#include "kernels/modality_attention.h"

namespace mmgraph::detail {

namespace {

class MmGraph final : public Model {
 public:
  explicit MmGraph(const ModelContext& ctx)
      : ctx_(ctx), dev_(*ctx.dev), c_(*ctx.config), d_(c_.embedding_size), n_users_(ctx.data->n_users),
        n_items_(ctx.data->n_items), mods_(upload_modalities(ctx, "mmgraph", true)), m_(static_cast<int>(mods_.count())),
        objective_(ctx) {
    emb_ = &params_.add(dev_, "embedding", {n_users_ + n_items_, d_},
                        id_embedding_init(n_users_, n_items_, d_, c_.seed));
    projections_ = Projections(params_, dev_, mods_, n_items_, d_, c_.seed, 16, c_.learn_features);
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_)));
    att_P_ = &params_.add(dev_, "attention.weight", {d_, d_}, uniform_values(d_ * d_, bound, c_.seed, 64));
    att_p_ = &params_.add(dev_, "attention.bias", {d_}, uniform_values(d_, bound, c_.seed, 65));
    att_q_ = &params_.add(dev_, "attention.query", {d_}, uniform_values(d_, bound, c_.seed, 66));
    graph_ = MixedItemGraph(dev_, mods_, c_, n_items_);

    const size_t nd = emb_->value.size(), id = static_cast<size_t>(n_items_ * d_), m = mods_.count();
    for (auto* b : {&x_, &grad_x_}) *b = Buffer<float>(dev_, nd, "representations");
    work_ = Buffer<float>(
        dev_, std::max(2 * nd, static_cast<size_t>(kernels::modality_attention_work_floats(n_items_, d_, m_))),
        "scratch");
    for (auto* b : {&item_out_, &grad_item_out_, &h_, &h_norm_, &grad_h_, &z_, &grad_z_})
      *b = Buffer<float>(dev_, id, "item activations");
    for (auto* b : {&proj_, &grad_proj_, &att_t_}) *b = Buffer<float>(dev_, m * id, "modality activations");
    att_a_ = Buffer<float>(dev_, static_cast<size_t>(n_items_) * m, "attention weights");
    const size_t b = static_cast<size_t>(c_.train_batch_size * d_);
    for (auto* buf : {&cl_a_, &cl_b_, &cl_ga_, &cl_gb_}) *buf = Buffer<float>(dev_, b, "InfoNCE rows");
    cold_ = ColdItems(dev_, *ctx.data, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override {
    if (c_.dropout > 0) pruned_ = pruned_adjacency(ctx_, epoch);
    if (epoch % static_cast<uint64_t>(c_.graph_update_every) != 0) return;
    fuse_content();
    graph_.relearn(z_.data(), d_, {1.0f});
  }

  std::vector<io::TensorToWrite> state() const override { return graph_.state(); }
  void restore_state(const io::Safetensors& checkpoint) override { graph_.restore_state(checkpoint); }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    const kernels::CsrView& adj = c_.dropout > 0 ? pruned_.view : ctx_.adjacency_dev->view;
    forward(adj);
    for (auto* b : {&grad_x_, &grad_h_}) b->set_zero();
    const int64_t user_rows = n_users_ * d_, item_floats = n_items_ * d_;
    float* grad_emb = emb_->grad.data();
    float* grad_xi = grad_x_.data() + user_rows;
    // i = X_i + normalize(h): d(i) goes to X_i and to h.
    objective_.add(batch, d_, x_.data(), item_out_.data(), grad_x_.data(), grad_xi, emb_->value.data(),
                   emb_->value.data() + user_rows, grad_emb, grad_emb + user_rows, loss_sum);
    dev_.copy(grad_item_out_.data(), grad_xi, static_cast<size_t>(item_floats) * sizeof(float));
    if (c_.mm_bpr_weight > 0) {
      fuse_content();
      grad_z_.set_zero();
      add_modality_bpr(dev_, batch, static_cast<float>(c_.mm_bpr_weight), 1, n_items_, d_, x_.data(), z_.data(),
                       grad_x_.data(), grad_z_.data(), loss_sum);
    }
    if (c_.cl_weight > 0) {
      dev_.gather_rows(batch.size, d_, batch.pos, x_.data() + user_rows, cl_a_.data());
      dev_.gather_rows(batch.size, d_, batch.pos, h_.data(), cl_b_.data());
      cl_ga_.set_zero();
      cl_gb_.set_zero();
      dev_.infonce_loss(batch.size, d_, cl_a_.data(), cl_b_.data(), nullptr, batch.size,
                        static_cast<float>(c_.cl_temperature), static_cast<float>(c_.cl_weight), cl_ga_.data(),
                        cl_gb_.data(), loss_sum);
      dev_.scatter_add_rows(batch.size, d_, batch.pos, cl_ga_.data(), grad_xi);
      dev_.scatter_add_rows(batch.size, d_, batch.pos, cl_gb_.data(), grad_h_.data());
    }
    dev_.lightgcn_backward(adj, d_, c_.n_layers, grad_x_.data(), grad_emb, work_.data());
    graph_.normalized_backward(c_.n_mm_layers, d_, h_.data(), h_norm_.data(), grad_item_out_.data(), grad_h_.data(),
                               grad_emb + user_rows, work_.data());
    if (c_.mm_bpr_weight > 0) {
      grad_proj_.set_zero();
      dev_.attention_backward(n_items_, d_, m_, proj_.data(), att_P_->value.data(), att_q_->value.data(),
                              att_t_.data(), att_a_.data(), grad_z_.data(), grad_proj_.data(), att_P_->grad.data(),
                              att_p_->grad.data(), att_q_->grad.data(), work_.data());
      projections_.backward(grad_proj_.data());
    }
  }

  void propagate() override {
    forward(ctx_.adjacency_dev->view);
    cold_.calibrate({&graph_.graph()}, d_, item_out_.data());
  }
  const float* user_rep() const override { return x_.data(); }
  const float* item_rep() const override { return item_out_.data(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // Z = attention over the projections H_m (att_t_, att_a_ kept for the backward).
  void fuse_content() {
    projections_.forward(proj_.data());
    dev_.attention_forward(n_items_, d_, m_, proj_.data(), att_P_->value.data(), att_p_->value.data(),
                           att_q_->value.data(), att_t_.data(), att_a_.data(), z_.data());
  }

  void forward(const kernels::CsrView& adj) {
    const int64_t user_rows = n_users_ * d_;
    dev_.lightgcn_forward(adj, d_, c_.n_layers, emb_->value.data(), x_.data(), work_.data());
    graph_.normalized_forward(c_.n_mm_layers, d_, emb_->value.data() + user_rows, x_.data() + user_rows, h_.data(),
                              h_norm_.data(), item_out_.data(), work_.data());
  }

  ModelContext ctx_;
  Device& dev_;
  const TrainConfig& c_;
  int64_t d_, n_users_, n_items_;
  Modalities mods_;
  int m_;
  Objective objective_;
  Param* emb_ = nullptr;
  Projections projections_;
  Param *att_P_ = nullptr, *att_p_ = nullptr, *att_q_ = nullptr;
  MixedItemGraph graph_;  // the re-learnt S (checkpointed)
  DeviceCsr pruned_;
  Buffer<float> x_, grad_x_, work_, item_out_, grad_item_out_, h_, h_norm_, grad_h_, z_, grad_z_, proj_, grad_proj_;
  Buffer<float> att_t_, att_a_, cl_a_, cl_b_, cl_ga_, cl_gb_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_mmgraph_model(const ModelContext& ctx) { return std::make_unique<MmGraph>(ctx); }

}  // namespace mmgraph::detail
