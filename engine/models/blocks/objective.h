#pragma once
// The main training objective of every model, chosen by config `loss`:
//   bpr   BPR over the batch's (user, positive, negative) triples;
//   bce   binary cross-entropy with logits, positives 1 and the sampled negatives 0;
//   mse   squared error against the same 1 / 0 targets (implicit feedback);
//   warp  WARP over warp_candidates sampled negatives per positive;
// plus LightGCN's L2 (reg_weight) on the batch's rows of the layer-0 tables.
#include <cstdint>
#include <map>
#include <utility>

#include "engine/models/blocks/batch_gather.h"
#include "engine/models/blocks/node_table.h"
#include "engine/src/model.h"

namespace mmgraph::detail {

class Objective {
 public:
  explicit Objective(const ModelContext& ctx);
  // Adds the loss into *loss_sum and its gradients into grad_user_rep / grad_item_rep
  // ([* x d] tables) and grad_user_emb0 / grad_item_emb0 (the L2 part, same width d).
  void add(const TripleBatch& batch, int64_t d, const float* user_rep, const float* item_rep, float* grad_user_rep,
           float* grad_item_rep, const float* user_emb0, const float* item_emb0, float* grad_user_emb0,
           float* grad_item_emb0, double* loss_sum);
  // The same over [users; items] node tables of width d (rep and grad_rep the representations
  // and their gradients, emb0 and grad_emb0 the layer-0 tables, which may be rep's own). In a
  // run split over processes the batch's rows are gathered from their owners and each process
  // evaluates the whole batch (BatchGather), keeping its own rows' gradients.
  void add(const TripleBatch& batch, const NodeRows& rep, const NodeRows& grad_rep, const NodeRows& emb0,
           const NodeRows& grad_emb0, double* loss_sum);
  // Item ids (device memory, count) that add() reads beyond the batch's users, positives and
  // negatives for this batch: WARP's candidates, drawn here; {nullptr, 0} for the other losses.
  // A model that computes representations only for the rows a batch touches includes these.
  std::pair<const int32_t*, int64_t> extra_items(const TripleBatch& batch);

 private:
  // Targets of a batch of b triples: b ones, then b zeros (device memory).
  const float* targets(int64_t b);

  ModelContext ctx_;
  Device& dev_;
  BatchGather gather_;                         // sharded runs
  Buffer<float> compact_[4];                   // rep, grad_rep, emb0, grad_emb0 at the batch's rows (sharded)
  Buffer<int32_t> users2_, items2_, candidates_;  // pointwise examples [2B], WARP candidates [B x T]
  std::map<int64_t, Buffer<float>> targets_;
  std::pair<uint64_t, int64_t> candidates_for_{~uint64_t{0}, -1};  // (epoch, first) of the batch drawn for
};

}  // namespace mmgraph::detail
