// A training batch's distinct rows (see batch_rows.h).
#include "engine/models/blocks/batch_rows.h"

#include <algorithm>

namespace mmgraph::detail {

BatchRowSet::BatchRowSet(const ModelContext& ctx, bool items_only)
    : dev_(&ctx.device()),
      first_item_row_(items_only ? 0
                                 : static_cast<int32_t>(ctx.nodes->first_row(NodeSet::kUsersAndItems, NodeKind::kItem))) {
  const TrainConfig& c = *ctx.config;
  const int64_t b = c.train_batch_size;
  const int64_t extra = c.loss == "warp" ? b * c.warp_candidates : 0;
  capacity_ = std::min(ctx.nodes->rows(NodeSet::kUsersAndItems, false), 3 * b + extra);
  rows_ = Buffer<int32_t>(*dev_, static_cast<size_t>(3 * b + extra), "batch rows");
  counts_ = Buffer<int32_t>(*dev_, static_cast<size_t>(2 * b), "batch row counts");
}

void BatchRowSet::build(const TripleBatch& batch, Objective& objective) {
  const auto [extra, n_extra] = objective.extra_items(batch);
  sizes_ = dev_->batch_rows({batch.size, batch.users, batch.pos, batch.neg, n_extra, extra, first_item_row_}, rows_.data(),
                            counts_.data());
}

}  // namespace mmgraph::detail
