// A training batch's distinct rows (see batch_rows.h).
#include "engine/models/blocks/batch_rows.h"

namespace mmgraph::detail {

BatchRowSet::BatchRowSet(const ModelContext& ctx, bool items_only)
    : dev_(&ctx.device()), sharded_(ctx.sharded != nullptr),
      first_item_row_(items_only ? 0
                                 : static_cast<int32_t>(ctx.nodes->first_row(NodeSet::kUsersAndItems, NodeKind::kItem))),
      user_ids_(ctx.nodes->owned(NodeKind::kUser)), item_ids_(ctx.nodes->owned(NodeKind::kItem)) {
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
  if (sharded_) return;  // a batch's ids are global there: the propagation computes every row
  const auto [extra, n_extra] = objective.extra_items(batch);
  sizes_ = dev_->batch_rows(
      {batch.size, batch.users, batch.pos, batch.neg, n_extra, extra, first_item_row_, user_ids_, item_ids_},
      rows_.data(), counts_.data());
}

}  // namespace mmgraph::detail
