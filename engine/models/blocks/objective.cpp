// The selectable main objective (see objective.h).
#include "engine/models/blocks/objective.h"

#include <algorithm>
#include <vector>

namespace mmgraph::detail {

Objective::Objective(const ModelContext& ctx) : ctx_(ctx), dev_(ctx.device()) {
  const TrainConfig& c = *ctx.config;
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
