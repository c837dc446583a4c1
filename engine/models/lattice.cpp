// LATTICE (Zhang et al., "Mining Latent Structures for Multimedia
// Recommendation", ACM MM 2021), after MMRec's implementation:
//   S_m^o = D^-1/2 kNN(F_m) D^-1/2              frozen graph of the raw features (edge weight = cosine)
//   S_m^l = D^-1/2 kNN(H_m) D^-1/2,  H_m = F_m W_m + b_m   graph re-learnt from the projected features
//   S = (1 - lambda_coeff) sum_m w_m S_m^l + lambda_coeff sum_m w_m S_m^o
//   X = LightGCN(Â, [E_u; E_i]),  h = S^{n_mm_layers} E_i,  u = X_u,  i = X_i + h / |h|
// Where ours differs: MMRec back-propagates into W_m through the edge weights of
// the graph built on the first batch of each epoch; ours trains W_m with the
// modality BPR term mm_bpr_weight * sum_m BPR(u, H_m[pos], H_m[neg]) (as FREEDOM)
// and re-learns S from the current H_m every graph_update_every epochs.
// Split over processes, each holds its items' rows of S^o and of S (and the whole S, its
// checkpointed state), re-learns S^l by the sharded kNN of its items' projections, and the modality
// BPR gathers the batch's rows (BatchModalityBpr): the same bits as one process.
#include <algorithm>
#include <memory>

#include "engine/models/blocks/cold_items.h"
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"

namespace mmgraph::detail {

namespace {

class Lattice final : public EmbeddingModel {
 public:
  explicit Lattice(const ModelContext& ctx)
      : EmbeddingModel(ctx, {}), mods_(upload_modalities(ctx, "lattice")), objective_(ctx),
        weights_(modality_weights(c_, mods_.names)) {
    projections_ = Projections(params_, dev_, nodes_, mods_, d_, c_.seed, 16, c_.learn_features);
    graph_ = MixedItemGraph(ctx, mods_);

    for (auto* t : {&rep_, &grad_rep_}) *t = table(NodeSet::kUsersAndItems, "representations");
    // The user-item pass's scratch, and the item graph's ([2 x items x d]).
    work_ = Buffer<float>(dev_, static_cast<size_t>(std::max(prop_.user_item_work_floats(d_), 2 * n_items_ * d_)),
                          "propagation scratch");
    for (auto* t : {&h_, &h_norm_, &grad_h_}) *t = table(NodeSet::kItems, "item activations");
    proj_ = Buffer<float>(dev_, mods_.count() * static_cast<size_t>(n_items_ * d_), "modality projections");
    modality_bpr_ = BatchModalityBpr(ctx, mods_, projections_, static_cast<float>(c_.mm_bpr_weight));
    cold_ = ColdItems(ctx, c_.cold_scale);
  }

  void begin_epoch(uint64_t epoch) override {
    if (epoch % static_cast<uint64_t>(c_.graph_update_every) != 0) return;
    projections_.forward(proj_.data());
    graph_.relearn(proj_.data(), d_, weights_);
  }

  std::vector<io::TensorToWrite> state() const override { return graph_.state(); }
  void restore_state(const io::Safetensors& checkpoint) override { graph_.restore_state(checkpoint); }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    forward();
    grad_rep_.set_zero();
    grad_h_.set_zero();
    const NodeRows e = emb(), grad_e = grad_emb();
    // The item rows of rep are X_i + normalize(h).
    objective_.add(batch, rep_.rows(), grad_rep_.rows(), e, grad_e, loss_sum);
    if (c_.mm_bpr_weight > 0) modality_bpr_.add(batch, rep_.rows(), grad_rep_.rows(), loss_sum);
    // i = X_i + normalize(h): dX_i = d(i); dh through the normalisation, then S^T.
    prop_.user_item_backward(UserItemGraph::kFull, c_.n_layers, grad_rep_.rows(), grad_e, work_.data());
    graph_.normalized_backward(prop_, c_.n_mm_layers, d_, h_.data(), h_norm_.data(), grad_rep_.items(),
                               grad_h_.data(), grad_e.items(), work_.data());
  }

  void propagate() override {
    forward();
    cold_.calibrate(prop_, {&graph_.graph()}, d_, rep_.items());
  }
  const float* user_rep() const override { return rep_.users(); }
  const float* item_rep() const override { return rep_.items(); }
  int64_t rep_dim() const override { return d_; }

 private:
  // rep = LightGCN(Â, E), then rep's item rows += normalize(S^L E_i).
  void forward() {
    const NodeRows e = emb();
    prop_.user_item_forward(UserItemGraph::kFull, c_.n_layers, e, rep_.rows(), work_.data());
    graph_.normalized_forward(prop_, c_.n_mm_layers, d_, e.items(), rep_.items(), h_.data(), h_norm_.data(),
                              rep_.items(), work_.data());
  }

  Modalities mods_;
  Objective objective_;
  std::vector<float> weights_;
  Projections projections_;
  MixedItemGraph graph_;  // the re-learnt S (checkpointed)
  NodeTable rep_, grad_rep_, h_, h_norm_, grad_h_;
  Buffer<float> work_, proj_;  // proj_: the projections the graph is re-learnt from
  BatchModalityBpr modality_bpr_;
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_lattice_model(const ModelContext& ctx) { return std::make_unique<Lattice>(ctx); }

}  // namespace mmgraph::detail
