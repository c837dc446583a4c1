// MGCN (Yu et al., "Multi-View Graph Convolutional Network for Multimedia
// Recommendation", ACM MM 2023), as MMRec implements it, for any number M of modalities:
//   H_m  = F_m W_m + b_m                              projection
//   P_m  = E_i * sigmoid(H_m G_m + g_m)               behaviour-guided purifier
//   Z_m  = S_m^{n_mm_layers} P_m,  U_m = R^ Z_m,  M_m = [U_m; Z_m]   item-item view per modality
//   X    = LightGCN(Â, [E_u; E_i])                    user-item view ("content")
//   a    = softmax_m(q . tanh(M_m P + p)),  C = sum_m a_m M_m           behaviour-aware fuser
//   sep_m = sigmoid(X V_m + v_m) * (M_m - C),  side = (sum_m sep_m + C) / (M + 1)
//   rep  = X + side;  loss = objective(rep) + cl_weight * (InfoNCE(side_u, X_u) + InfoNCE(side_i, X_i))
// over the batch's users and positive items (temperature cl_temperature).
// R^ is the user-item block of Â: U_m = rows 0..U of Â [0; Z_m].
// A training step needs the fuser (attention, preference gates, side) only at the rows the loss reads:
// the batch's distinct users and items (kernels/batch_rows.h). It runs on those rows, gathered into
// compact buffers, and both InfoNCE terms run over the distinct rows weighted by their multiplicity
// in the batch: the same loss and gradients as the whole table and the duplicated batch, at a
// fraction of the GEMMs. Evaluation (propagate) fuses every row.
// On a GPU R is padded (blocks/batch_rows.h): each part of R keeps its room, and a padded row
// gathers zero views and content, fuses to finite values, is scattered nowhere, and has
// multiplicity 0 in InfoNCE, so it adds nothing to the loss or any gradient.
// Split over processes, each holds its rows of every table, of Â's user and item blocks and of
// S_m and S_m^T (halo rows exchanged before each product), gathers R's rows from their owners
// (BatchRowGather) and runs the fuser and the objective on them as one process does. The
// purifier's and the projections' dense gradients are sums over every item, split over the
// processes: their per-process partial sums are added in rank order (sum_in_rank_order), so
// they and all that follows differ from one process's in the last bits (the closing note of the
// sharding issue gives the measured difference).
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/models/blocks/batch_rows.h"
#include "engine/models/blocks/cold_items.h"
#include "engine/models/blocks/embedding_model.h"
#include "engine/models/blocks/item_graph.h"
#include "engine/models/blocks/modalities.h"
#include "engine/models/blocks/objective.h"
#include "kernels/modality_attention.h"

namespace mmgraph::detail {

namespace {

class Mgcn final : public EmbeddingModel {
 public:
  explicit Mgcn(const ModelContext& ctx)
      : EmbeddingModel(ctx, {.user_item_blocks = true}), n_(nodes_.rows(NodeSet::kUsersAndItems, false)),
        mods_(upload_modalities(ctx, "mgcn")), m_(static_cast<int>(mods_.count())), objective_(ctx) {
    projections_ = Projections(params_, dev_, nodes_, mods_, d_, c_.seed, 16, c_.learn_features);
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_)));
    const ParamPlacement replicated = ParamPlacement::replicated();
    uint32_t stream = 64;
    auto linear = [&](const std::string& name, std::vector<Param*>& w, std::vector<Param*>& b) {
      w.push_back(&params_.add(dev_, name + ".weight", {d_, d_}, uniform_values(d_ * d_, bound, c_.seed, stream++),
                               replicated));
      b.push_back(&params_.add(dev_, name + ".bias", {d_}, uniform_values(d_, bound, c_.seed, stream++), replicated));
    };
    for (int m = 0; m < m_; ++m) {
      linear(mods_.names[m] + ".purifier", gate_w_, gate_b_);
      linear(mods_.names[m] + ".preference", pref_w_, pref_b_);
      graphs_.emplace_back(ctx, knn_item_graph(ctx, mods_, static_cast<size_t>(m), false));
    }
    std::vector<Param*> att_w, att_b;
    linear("attention", att_w, att_b);
    att_P_ = att_w[0];
    att_p_ = att_b[0];
    att_q_ = &params_.add(dev_, "attention.query", {d_}, uniform_values(d_, bound, c_.seed, stream++), replicated);
    cold_ = ColdItems(ctx, c_.cold_scale);

    batch_rows_ = BatchRowSet(ctx);
    row_gather_ = BatchRowGather(ctx);
    comm_ = &ctx.resources->comm();
    if (ctx.sharded) {
      split_sums_ = projections_.dense_params();
      for (int m = 0; m < m_; ++m) split_sums_.insert(split_sums_.end(), {gate_w_[m], gate_b_[m]});
    }
    // The fuser runs on every row (propagate) or on a batch's rows R, which may outnumber them when padded.
    const int64_t fuse_rows = std::max(n_, batch_rows_.capacity());
    const size_t nd = static_cast<size_t>(n_ * d_), id = static_cast<size_t>(n_items_ * d_);
    const size_t fd = static_cast<size_t>(fuse_rows * d_);
    const size_t m = static_cast<size_t>(m_);
    for (auto* t : {&x_, &grad_x_, &side_, &rep_, &grad_rep_}) *t = table(NodeSet::kUsersAndItems, "MGCN activations");
    for (auto* b : {&common_, &grad_common_, &tmp_, &tmp2_}) *b = Buffer<float>(dev_, fd, "MGCN activations");
    work_ = Buffer<float>(
        dev_, std::max(2 * fd, static_cast<size_t>(kernels::modality_attention_work_floats(fuse_rows, d_, m_))),
        "scratch");
    for (auto* b : {&proj_, &grad_proj_, &gate_pre_, &purified_, &grad_purified_})
      *b = Buffer<float>(dev_, m * id, "MGCN modality activations");
    for (auto* b : {&views_, &grad_views_}) *b = Buffer<float>(dev_, m * nd, "MGCN modality views");
    for (auto* b : {&att_t_, &sep_raw_, &pref_pre_}) *b = Buffer<float>(dev_, m * fd, "MGCN fuser activations");
    att_a_ = Buffer<float>(dev_, static_cast<size_t>(fuse_rows) * m, "attention weights");
    const size_t rd = static_cast<size_t>(batch_rows_.capacity() * d_);
    for (auto* buf : {&bx_, &bgx_, &bside_, &bgside_, &brep_, &bgrep_})
      *buf = Buffer<float>(dev_, rd, "MGCN batch rows");
    for (auto* buf : {&bviews_, &bgviews_}) *buf = Buffer<float>(dev_, m * rd, "MGCN batch views");
  }

  void forward_backward(const TripleBatch& batch, double* loss_sum) override {
    // The batch's distinct rows R: users | positives | other items; the fuser runs on R only.
    batch_rows_.build(batch, objective_);
    const kernels::BatchRowSizes& sizes = batch_rows_.sizes();
    const int64_t r = sizes.total();
    const int32_t* rows = batch_rows_.rows();
    views_forward(&batch_rows_);
    row_gather_.plan(batch_rows_);
    row_gather_.gather(x_.rows(), bx_.data());
    for (int m = 0; m < m_; ++m) row_gather_.gather(view_rows(views_, m), slice(bviews_, m, r));
    fuse_forward(r, bviews_.data(), bx_.data(), bside_.data(), brep_.data());
    if (split_sums_.empty()) {
      // The objective reads the batch's rows of the full tables.
      rep_.set_zero();
      dev_.scatter_add_rows(r, d_, rows, brep_.data(), rep_.data());
      grad_rep_.set_zero();
      objective_.add(batch, d_, rep_.users(), rep_.items(), grad_rep_.users(), grad_rep_.items(), rep_.users(),
                     rep_.items(), grad_rep_.users(), grad_rep_.items(), loss_sum);
      dev_.gather_rows(r, d_, rows, grad_rep_.data(), bgrep_.data());
    } else {  // over processes: on R's rows, with the batch's ids as their places in R (the same sums)
      dev_.zero(bgrep_.data(), static_cast<size_t>(r * d_) * sizeof(float));
      objective_.add(row_gather_.batch_as_rows(batch), d_, brep_.data(), brep_.data(), bgrep_.data(), bgrep_.data(),
                     brep_.data(), brep_.data(), bgrep_.data(), bgrep_.data(), loss_sum);
    }
    // rep = X + side: both receive the representation gradient.
    const size_t rd_bytes = static_cast<size_t>(r * d_) * sizeof(float);
    dev_.copy(bgx_.data(), bgrep_.data(), rd_bytes);
    dev_.copy(bgside_.data(), bgrep_.data(), rd_bytes);
    if (c_.cl_weight > 0) {
      // InfoNCE over the distinct users (rows [0, U)) and positives (rows [U, U + P)) of R, each
      // weighted by its multiplicity in the batch: the batch's InfoNCE with duplicates.
      contrast(sizes.users, batch_rows_.counts(), batch.size, 0, loss_sum);
      contrast(sizes.pos_items, batch_rows_.counts() + sizes.users, batch.size, sizes.users, loss_sum);
    }
    for (auto* buf : {&grad_proj_, &grad_purified_}) buf->set_zero();
    bgviews_.set_zero();
    fuse_backward(r, bviews_.data(), bx_.data(), bgside_.data(), bgviews_.data(), bgx_.data());
    grad_x_.set_zero();
    row_gather_.scatter_add(bgx_.data(), grad_x_.rows());
    grad_views_.set_zero();
    for (int m = 0; m < m_; ++m) row_gather_.scatter_add(slice(bgviews_, m, r), view_rows(grad_views_, m));
    views_backward();
    prop_.user_item_backward(UserItemGraph::kFull, c_.n_layers, grad_x_.rows(), grad_emb(), work_.data());
    for (Param* p : split_sums_)
      sum_in_rank_order(*comm_, dev_, p->grad.data(), static_cast<int64_t>(p->grad.size()));
  }

  void propagate() override {
    views_forward();
    fuse_forward(n_, views_.data(), x_.data(), side_.data(), rep_.data());
    std::vector<const ItemGraph*> graphs;
    for (const auto& g : graphs_) graphs.push_back(&g);
    cold_.calibrate(prop_, graphs, d_, rep_.items());
  }
  const float* user_rep() const override { return rep_.users(); }
  const float* item_rep() const override { return rep_.items(); }
  int64_t rep_dim() const override { return d_; }

 private:
  float* slice(const Buffer<float>& b, int m, int64_t rows) const { return b.data() + m * rows * d_; }
  // Modality m's [users; items] table in a buffer of the M per-modality tables.
  NodeRows view_rows(const Buffer<float>& b, int m) const {
    return NodeRows(slice(b, m, n_), nodes_, NodeSet::kUsersAndItems, d_);
  }

  // X (the user-item view) and the per-modality views M_m of every row; with x_rows, X only
  // at those rows (a training step reads no other).
  void views_forward(const BatchRowSet* x_rows = nullptr) {
    const NodeRows e = emb();
    const float* item_emb = e.items();
    prop_.user_item_forward(UserItemGraph::kFull, c_.n_layers, e, x_.rows(), work_.data(), x_rows);
    projections_.forward(proj_.data());
    for (int m = 0; m < m_; ++m) {
      // Purifier, item-item propagation, then users as R^ times their items' views.
      dev_.linear_forward(n_items_, d_, d_, slice(proj_, m, n_items_), gate_w_[m]->value.data(),
                          gate_b_[m]->value.data(), slice(gate_pre_, m, n_items_));
      dev_.sigmoid_gate_forward(n_items_ * d_, item_emb, slice(gate_pre_, m, n_items_), slice(purified_, m, n_items_));
      const NodeRows view = view_rows(views_, m);
      prop_.item_item_forward(graphs_[m], c_.n_mm_layers, d_, slice(purified_, m, n_items_), view.items(),
                              work_.data());
      prop_.users_from_items(view, tmp_.data());
      dev_.copy(view.users(), tmp_.data(), static_cast<size_t>(view.floats(NodeKind::kUser)) * sizeof(float));
    }
  }

  // The fuser on `rows` rows: views [m x rows x d], x [rows x d] -> side, rep = x + side [rows x d];
  // keeps its activations (common_, att_t_, att_a_, sep_raw_, pref_pre_ at stride rows) for fuse_backward.
  void fuse_forward(int64_t rows, const float* views, const float* x, float* side, float* rep) {
    const int64_t nd = rows * d_;
    const auto bytes = static_cast<size_t>(nd) * sizeof(float);
    dev_.attention_forward(rows, d_, m_, views, att_P_->value.data(), att_p_->value.data(), att_q_->value.data(),
                           att_t_.data(), att_a_.data(), common_.data());
    // side = (sum_m sigmoid(X V_m + v_m) * (M_m - C) + C) / (M + 1)
    const float scale = 1.0f / static_cast<float>(m_ + 1);
    dev_.zero(side, bytes);
    dev_.axpy(nd, scale, common_.data(), side);
    for (int m = 0; m < m_; ++m) {
      float* raw = slice(sep_raw_, m, rows);
      dev_.copy(raw, views + m * nd, bytes);
      dev_.axpy(nd, -1.0f, common_.data(), raw);
      dev_.linear_forward(rows, d_, d_, x, pref_w_[m]->value.data(), pref_b_[m]->value.data(),
                          slice(pref_pre_, m, rows));
      dev_.sigmoid_gate_forward(nd, raw, slice(pref_pre_, m, rows), tmp_.data());
      dev_.axpy(nd, scale, tmp_.data(), side);
    }
    dev_.copy(rep, x, bytes);
    dev_.axpy(nd, 1.0f, side, rep);
  }

  // InfoNCE between the side and content views of the batch rows [first, first + k) of R, weighted
  // by their multiplicities out of `total`; gradients added into the batch-row gradients.
  void contrast(int64_t k, const int32_t* counts, int64_t total, int64_t first, double* loss_sum) {
    const int64_t at = first * d_;
    dev_.infonce_loss(k, d_, bside_.data() + at, bx_.data() + at, counts, total, static_cast<float>(c_.cl_temperature),
                      static_cast<float>(c_.cl_weight), bgside_.data() + at, bgx_.data() + at, loss_sum);
  }

  // From grad_side (of side = (sum_m sep_m + C) / (M+1)) on `rows` rows to grad_views, grad_x and the
  // fuser's parameters (gradients added), with the activations of the last fuse_forward.
  void fuse_backward(int64_t rows, const float* views, const float* x, const float* grad_side, float* grad_views,
                     float* grad_x) {
    const int64_t nd = rows * d_;
    const auto bytes = static_cast<size_t>(nd) * sizeof(float);
    const float scale = 1.0f / static_cast<float>(m_ + 1);
    dev_.zero(grad_common_.data(), bytes);
    dev_.zero(tmp2_.data(), bytes);
    dev_.axpy(nd, scale, grad_side, tmp2_.data());  // tmp2 = d(sep_m) = dC (direct part)
    dev_.axpy(nd, 1.0f, tmp2_.data(), grad_common_.data());
    for (int m = 0; m < m_; ++m) {
      // sep_m = sigmoid(pre) * raw, raw = M_m - C, pre = X V_m + v_m.
      dev_.zero(tmp_.data(), bytes);
      dev_.sigmoid_gate_backward(nd, slice(sep_raw_, m, rows), slice(pref_pre_, m, rows), tmp2_.data(), tmp_.data(),
                                 work_.data());
      dev_.linear_backward(rows, d_, d_, x, pref_w_[m]->value.data(), work_.data(), grad_x, pref_w_[m]->grad.data(),
                           pref_b_[m]->grad.data());
      dev_.axpy(nd, 1.0f, tmp_.data(), grad_views + m * nd);
      dev_.axpy(nd, -1.0f, tmp_.data(), grad_common_.data());
    }
    dev_.attention_backward(rows, d_, m_, views, att_P_->value.data(), att_q_->value.data(), att_t_.data(),
                            att_a_.data(), grad_common_.data(), grad_views, att_P_->grad.data(), att_p_->grad.data(),
                            att_q_->grad.data(), work_.data());
  }

  // From grad_views_ through R^, S_m, the purifier and the projections to dE_i and the parameters.
  void views_backward() {
    const NodeRows e = emb(), grad_e = grad_emb();
    for (int m = 0; m < m_; ++m) {
      // dZ_m = dM_m[items] + R^T dM_m[users]
      const NodeRows gview = view_rows(grad_views_, m);
      prop_.add_items_from_users(gview, tmp2_.data());
      float* gpur = slice(grad_purified_, m, n_items_);
      prop_.item_item_backward(graphs_[m], c_.n_mm_layers, d_, gview.items(), gpur, work_.data());
      // P_m = E_i * sigmoid(pre), pre = H_m G_m + g_m
      dev_.sigmoid_gate_backward(n_items_ * d_, e.items(), slice(gate_pre_, m, n_items_), gpur, grad_e.items(),
                                 tmp_.data());
      dev_.linear_backward(n_items_, d_, d_, slice(proj_, m, n_items_), gate_w_[m]->value.data(), tmp_.data(),
                           slice(grad_proj_, m, n_items_), gate_w_[m]->grad.data(), gate_b_[m]->grad.data());
    }
    projections_.backward(grad_proj_.data());
  }

  int64_t n_;  // rows of a [users; items] table
  Modalities mods_;
  int m_;
  Objective objective_;
  Projections projections_;
  std::vector<Param*> gate_w_, gate_b_, pref_w_, pref_b_;
  Param *att_P_ = nullptr, *att_p_ = nullptr, *att_q_ = nullptr;
  std::vector<ItemGraph> graphs_;
  NodeTable x_, grad_x_, side_, rep_, grad_rep_;
  Buffer<float> common_, grad_common_, tmp_, tmp2_, work_;
  Buffer<float> proj_, grad_proj_, gate_pre_, purified_, grad_purified_;
  Buffer<float> views_, grad_views_, att_t_, sep_raw_, pref_pre_, att_a_;
  BatchRowSet batch_rows_;  // the batch's distinct rows R and multiplicities
  BatchRowGather row_gather_;  // R's rows of the node tables
  Communicator* comm_ = nullptr;
  std::vector<Param*> split_sums_;  // over processes: the parameters whose gradient each process sums in part
  Buffer<float> bx_, bgx_, bside_, bgside_, brep_, bgrep_, bviews_, bgviews_;  // their rows of x_, side_, ...
  ColdItems cold_;
};

}  // namespace

std::unique_ptr<Model> make_mgcn_model(const ModelContext& ctx) { return std::make_unique<Mgcn>(ctx); }

}  // namespace mmgraph::detail
