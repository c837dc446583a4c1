// The selectable main objective (see objective.h).
#include "engine/models/blocks/objective.h"

#include <algorithm>
#include <vector>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

Objective::Objective(const ModelContext& ctx) : ctx_(ctx), dev_(ctx.device()) {
  const TrainConfig& c = *ctx.config;
  if (ctx.sharded) {
    if (c.loss == "warp") throw InputError("loss", "warp", "WARP does not run split over processes yet (bpr, bce, mse do)");
    gather_ = BatchGather(ctx);
  }
  const size_t b = static_cast<size_t>(c.train_batch_size);
  if (c.loss == "bce" || c.loss == "mse") {
    users2_ = Buffer<int32_t>(dev_, 2 * b, "pointwise examples");
    items2_ = Buffer<int32_t>(dev_, 2 * b, "pointwise examples");
  } else if (c.loss == "warp") {
    candidates_ = Buffer<int32_t>(dev_, b * static_cast<size_t>(c.warp_candidates), "WARP candidates");
  }
}

const float* Objective::targets(int64_t b) {
  auto it = targets_.find(b);
  if (it == targets_.end()) {  // two sizes at most: the batch size and the last, shorter batch
    std::vector<float> host(static_cast<size_t>(2 * b), 0.0f);
    std::fill(host.begin(), host.begin() + b, 1.0f);
    it = targets_.emplace(b, Buffer<float>::from_host(dev_, host, "pointwise targets")).first;
  }
  return it->second.data();
}

void Objective::add(const TripleBatch& batch, const NodeRows& rep, const NodeRows& grad_rep, const NodeRows& emb0,
                    const NodeRows& grad_emb0, double* loss_sum) {
  const int64_t d = rep.width();
  if (!ctx_.sharded) {
    add(batch, d, rep.users(), rep.items(), grad_rep.users(), grad_rep.items(), emb0.users(), emb0.items(),
        grad_emb0.users(), grad_emb0.items(), loss_sum);
    return;
  }
  gather_.build(batch);
  const auto n = static_cast<size_t>(gather_.rows() * d);
  for (Buffer<float>& b : compact_)
    if (b.size() < n) b = Buffer<float>(dev_, n, "batch rows");
  // A layer-0 table that is the representation itself stays one table (BPR-MF), so that its
  // rows receive both terms in the order one process adds them.
  const bool same = emb0.data() == rep.data();
  float *r = compact_[0].data(), *gr = compact_[1].data();
  float *e = same ? r : compact_[2].data(), *ge = same ? gr : compact_[3].data();
  gather_.gather(rep, r);
  if (!same) gather_.gather(emb0, e);
  dev_.zero(gr, n * sizeof(float));
  if (!same) dev_.zero(ge, n * sizeof(float));
  add(gather_.compact_batch(), d, r, r, gr, gr, e, e, ge, ge, loss_sum);
  gather_.scatter_add(gr, grad_rep);
  if (!same) gather_.scatter_add(ge, grad_emb0);
}

std::pair<const int32_t*, int64_t> Objective::extra_items(const TripleBatch& batch) {
  const TrainConfig& c = *ctx_.config;
  if (c.loss != "warp") return {nullptr, 0};
  const std::pair<uint64_t, int64_t> key{batch.epoch, batch.first};
  if (candidates_for_ != key) {
    dev_.sample_negatives(*ctx_.sampler, c.seed, batch.epoch, batch.first, batch.size, batch.users,
                          c.warp_candidates, candidates_.data());
    candidates_for_ = key;
  }
  return {candidates_.data(), batch.size * c.warp_candidates};
}

void Objective::add(const TripleBatch& batch, int64_t d, const float* user_rep, const float* item_rep,
                    float* grad_user_rep, float* grad_item_rep, const float* user_emb0, const float* item_emb0,
                    float* grad_user_emb0, float* grad_item_emb0, double* loss_sum) {
  const TrainConfig& c = *ctx_.config;
  const auto reg = static_cast<float>(c.reg_weight);
  kernels::BprBatch triples{batch.size, batch.users, batch.pos, batch.neg};
  if (c.loss == "bpr") {
    dev_.bpr_loss(triples, d, user_rep, item_rep, user_emb0, item_emb0, reg, grad_user_rep, grad_item_rep,
                  grad_user_emb0, grad_item_emb0, loss_sum);
    return;
  }
  const int64_t b = batch.size;
  if (c.loss == "warp") {
    const int t = c.warp_candidates;
    extra_items(batch);  // draws the candidates unless done for this batch
    dev_.warp_loss(b, d, t, ctx_.data->n_items, batch.users, batch.pos, candidates_.data(),
                   static_cast<float>(c.warp_margin), user_rep, item_rep, 1.0f, grad_user_rep, grad_item_rep,
                   loss_sum);
  } else {
    // Examples [2B]: (u, pos) with target 1, then (u, neg) with target 0.
    const size_t bytes = static_cast<size_t>(b) * sizeof(int32_t);
    dev_.copy(users2_.data(), batch.users, bytes);
    dev_.copy(users2_.data() + b, batch.users, bytes);
    dev_.copy(items2_.data(), batch.pos, bytes);
    dev_.copy(items2_.data() + b, batch.neg, bytes);
    dev_.pointwise_loss(c.loss == "bce" ? kernels::PointwiseLoss::kBce : kernels::PointwiseLoss::kMse, 2 * b, d,
                        users2_.data(), items2_.data(), targets(b), user_rep, item_rep, 1.0f, grad_user_rep,
                        grad_item_rep, loss_sum);
  }
  // LightGCN's L2 on the batch's layer-0 rows: the fused BPR op with its BPR term weighted 0.
  if (reg > 0) {
    triples.weight = 0.0f;
    dev_.bpr_loss(triples, d, user_rep, item_rep, user_emb0, item_emb0, reg, grad_user_rep, grad_item_rep,
                  grad_user_emb0, grad_item_emb0, loss_sum);
  }
}

}  // namespace mmgraph::detail
