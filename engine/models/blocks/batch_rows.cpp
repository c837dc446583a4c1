// A training batch's distinct rows (see batch_rows.h).
#include "engine/models/blocks/batch_rows.h"

namespace mmgraph::detail {

BatchRowSet::BatchRowSet(const ModelContext& ctx, bool items_only)
    : dev_(&ctx.device()),
      first_item_row_(items_only ? 0
                                 : static_cast<int32_t>(ctx.nodes->first_row(NodeSet::kUsersAndItems, NodeKind::kItem))) {
  const TrainConfig& c = *ctx.config;
  b_ = c.train_batch_size;
  n_extra_ = c.loss == "warp" ? b_ * c.warp_candidates : 0;
  rows_ = Buffer<int32_t>(*dev_, static_cast<size_t>(capacity()), "batch rows");
  counts_ = Buffer<int32_t>(*dev_, static_cast<size_t>(2 * b_), "batch row counts");
}

void BatchRowSet::build(const TripleBatch& batch, Objective& objective) {
  const auto [extra, n_extra] = objective.extra_items(batch);
  sizes_ = dev_->batch_rows({batch.size, batch.users, batch.pos, batch.neg, n_extra, extra, first_item_row_}, rows_.data(),
                            counts_.data());
}

}  // namespace mmgraph::detail
