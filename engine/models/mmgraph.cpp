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
// A training step projects and fuses the batch's items alone for the BPR term on Z
// (BatchModalityBpr with the attention as its fusion; float32 storage), and the InfoNCE term
// gathers the positives' rows of X_i and h from their owners: the same arithmetic in one process
// and split over several, where each process holds its items' rows of S^o and S (and the whole
// S, its checkpointed state), re-learns kNN(Z) by the sharded kNN of its items' fused content,
// and prunes Â alike.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/models/blocks/cold_items.h"
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"
#include "engine/models/blocks/owner_gather.h"
#include "kernels/modality_attention.h"

namespace mmgraph::detail {

namespace {

// The modality-aware attention over k items' projections: Z = sum_m a_m H_m (mmgraph's fused content).
class AttentionFusion final : public ModalityFusion {
 public:
  AttentionFusion(Device& dev, int m, int64_t d, const Param* P, const Param* p, const Param* q)
      : dev_(&dev), m_(m), d_(d), P_(P), p_(p), q_(q) {}
  void forward(int64_t k, const float* h, float* z) override {
    grow(k);
    dev_->attention_forward(k, d_, m_, h, P_->value.data(), p_->value.data(), q_->value.data(), t_.data(), a_.data(), z);
  }
  void backward(int64_t k, const float* h, const float* grad_z, float* grad_h) override {
    dev_->attention_backward(k, d_, m_, h, P_->value.data(), q_->value.data(), t_.data(), a_.data(), grad_z, grad_h,
                             P_->grad.data(), p_->grad.data(), q_->grad.data(), work_.data());
  }

 private:
  void grow(int64_t k) {
    const auto n = static_cast<size_t>(m_ * k * d_);
    if (t_.size() >= n) return;
    t_ = Buffer<float>(*dev_, n, "attention activations");
    a_ = Buffer<float>(*dev_, static_cast<size_t>(k * m_), "attention weights");
    work_ = Buffer<float>(*dev_, static_cast<size_t>(kernels::modality_attention_work_floats(k, d_, m_)), "attention scratch");
  }
  Device* dev_;
  int m_;
  int64_t d_;
  const Param *P_, *p_, *q_;
  Buffer<float> t_, a_, work_;
};

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
    fusion_ = std::make_unique<AttentionFusion>(dev_, m_, d_, att_P_, att_p_, att_q_);
    modality_bpr_ = BatchModalityBpr(ctx, mods_, projections_, static_cast<float>(c_.mm_bpr_weight), fusion_.get());
    positives_ = OwnerGather(ctx, NodeKind::kItem);

    for (auto* t : {&x_, &grad_x_, &rep_, &grad_rep_}) *t = table(NodeSet::kUsersAndItems, "representations");
    // The user-item pass's scratch, the item graph's ([2 x items x d]) and the attention's.
    work_ = Buffer<float>(dev_,
                          static_cast<size_t>(std::max({prop_.user_item_work_floats(d_), 2 * n_items_ * d_,
                                                        kernels::modality_attention_work_floats(n_items_, d_, m_)})),
                          "scratch");
    for (auto* t : {&h_, &h_norm_, &grad_h_, &z_}) *t = table(NodeSet::kItems, "item activations");
    const size_t id = static_cast<size_t>(n_items_ * d_), m = mods_.count();
    for (auto* b : {&proj_, &att_t_}) *b = Buffer<float>(dev_, m * id, "modality activations");
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
    grad_rep_.set_zero();
    grad_h_.set_zero();
    const NodeRows e = emb(), grad_e = grad_emb();
    // rep = [X_u; X_i + normalize(h)]: d(rep) goes to X (users and items) and, for the items, to h.
    objective_.add(batch, rep_.rows(), grad_rep_.rows(), e, grad_e, loss_sum);
    dev_.copy(grad_x_.data(), grad_rep_.data(), static_cast<size_t>(grad_x_.size()) * sizeof(float));
    if (c_.mm_bpr_weight > 0) modality_bpr_.add(batch, x_.rows(), grad_x_.rows(), loss_sum);
    if (c_.cl_weight > 0) {
      // InfoNCE between X_i and h at the batch's positives (in batch order, repeats kept).
      std::vector<int32_t> pos(static_cast<size_t>(batch.size));
      if (batch.size) dev_.download(pos.data(), batch.pos, pos.size() * sizeof(int32_t));
      positives_.plan(pos);
      positives_.gather(x_.items(), d_, cl_a_.data());
      positives_.gather(h_.data(), d_, cl_b_.data());
      cl_ga_.set_zero();
      cl_gb_.set_zero();
      dev_.infonce_loss(batch.size, d_, cl_a_.data(), cl_b_.data(), nullptr, batch.size,
                        static_cast<float>(c_.cl_temperature), static_cast<float>(c_.cl_weight), cl_ga_.data(),
                        cl_gb_.data(), loss_sum);
      positives_.scatter_add(cl_ga_.data(), d_, grad_x_.items());
      positives_.scatter_add(cl_gb_.data(), d_, grad_h_.data());
    }
    prop_.user_item_backward(UserItemGraph::kTraining, c_.n_layers, grad_x_.rows(), grad_e, work_.data());
    graph_.normalized_backward(prop_, c_.n_mm_layers, d_, h_.data(), h_norm_.data(), grad_rep_.items(),
                               grad_h_.data(), grad_e.items(), work_.data());
  }

  void propagate() override {
    forward(UserItemGraph::kFull);
    cold_.calibrate(prop_, {&graph_.graph()}, d_, rep_.items());
  }
  const float* user_rep() const override { return rep_.users(); }
  const float* item_rep() const override { return rep_.items(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // Z = attention over the projections H_m (att_t_, att_a_ kept for the backward).
  void fuse_content() {
    projections_.forward(proj_.data());
    dev_.attention_forward(n_items_, d_, m_, proj_.data(), att_P_->value.data(), att_p_->value.data(),
                           att_q_->value.data(), att_t_.data(), att_a_.data(), z_.data());
  }

  // X = LightGCN(graph, E); rep = [X_u; X_i + normalize(S^L E_i)].
  void forward(UserItemGraph graph) {
    const NodeRows e = emb();
    prop_.user_item_forward(graph, c_.n_layers, e, x_.rows(), work_.data());
    dev_.copy(rep_.users(), x_.users(), static_cast<size_t>(x_.rows().floats(NodeKind::kUser)) * sizeof(float));
    graph_.normalized_forward(prop_, c_.n_mm_layers, d_, e.items(), x_.items(), h_.data(), h_norm_.data(),
                              rep_.items(), work_.data());
  }

  Modalities mods_;
  int m_;
  Objective objective_;
  Projections projections_;
  Param *att_P_ = nullptr, *att_p_ = nullptr, *att_q_ = nullptr;
  MixedItemGraph graph_;  // the re-learnt S (checkpointed)
  std::unique_ptr<AttentionFusion> fusion_;
  BatchModalityBpr modality_bpr_;  // BPR on the batch items' Z
  OwnerGather positives_;          // the batch's positives, for InfoNCE
  NodeTable x_, grad_x_, rep_, grad_rep_, h_, h_norm_, grad_h_, z_;
  Buffer<float> work_, proj_, att_t_, att_a_, cl_a_, cl_b_, cl_ga_, cl_gb_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_mmgraph_model(const ModelContext& ctx) { return std::make_unique<MmGraph>(ctx); }

}  // namespace mmgraph::detail
