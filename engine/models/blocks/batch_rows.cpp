// A training batch's distinct rows (see batch_rows.h).
#include "engine/models/blocks/batch_rows.h"

namespace mmgraph::detail {

BatchRowSet::BatchRowSet(const ModelContext& ctx, bool items_only) : dev_(&ctx.device()) {
  // A run split over processes: global rows (every user and item counted, users first).
  const NodeIndex& nodes = *ctx.nodes;
  const bool global = ctx.sharded != nullptr;
  user_ids_ = global ? nodes.part(NodeKind::kUser).global_count : nodes.owned(NodeKind::kUser);
  item_ids_ = global ? nodes.part(NodeKind::kItem).global_count : nodes.owned(NodeKind::kItem);
  first_item_row_ = items_only ? 0
                    : global   ? static_cast<int32_t>(user_ids_)
                               : static_cast<int32_t>(nodes.first_row(NodeSet::kUsersAndItems, NodeKind::kItem));
  const TrainConfig& c = *ctx.config;
  const int64_t b = c.train_batch_size;
  const int64_t extra = c.loss == "warp" ? b * c.warp_candidates : 0;
  // The padded rooms of a full batch bound both layouts' parts (a packed part holds at most its room).
  room_ = kernels::padded_batch_row_sizes({b, nullptr, nullptr, nullptr, extra, nullptr, first_item_row_, user_ids_,
                                           item_ids_});
  rows_ = Buffer<int32_t>(*dev_, static_cast<size_t>(room_.total()), "batch rows");
  counts_ = Buffer<int32_t>(*dev_, static_cast<size_t>(room_.users + room_.pos_items), "batch row counts");
}

void BatchRowSet::build(const TripleBatch& batch, Objective& objective) {
  const auto [extra, n_extra] = objective.extra_items(batch);
  sizes_ = dev_->batch_rows(
      {batch.size, batch.users, batch.pos, batch.neg, n_extra, extra, first_item_row_, user_ids_, item_ids_},
      rows_.data(), counts_.data());
}

}  // namespace mmgraph::detail
