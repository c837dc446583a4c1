// A training batch's distinct rows (see batch_rows.h).
#include "engine/models/blocks/batch_rows.h"

#include <unordered_map>

#include "engine/models/blocks/batch_gather.h"
#include "mmgraph/errors.h"

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

void BatchRowGather::plan(const BatchRowSet& set) {
  set_ = &set;
  if (!ctx_.sharded) return;
  Device& dev = ctx_.device();
  rows_.resize(static_cast<size_t>(set.size()));
  if (!rows_.empty()) dev.download(rows_.data(), set.rows(), rows_.size() * sizeof(int32_t));
  const auto n_users = static_cast<size_t>(set.sizes().users);
  const auto first_item = static_cast<int32_t>(ctx_.nodes->part(NodeKind::kUser).global_count);
  std::vector<int32_t> users(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(n_users));
  std::vector<int32_t> items(rows_.begin() + static_cast<std::ptrdiff_t>(n_users), rows_.end());
  for (int32_t& i : items)
    if (i >= 0) i -= first_item;
  users_.plan(users);
  items_.plan(items);
}

void BatchRowGather::gather(const NodeRows& t, float* out) const {
  const int64_t w = t.width();
  if (!ctx_.sharded) return ctx_.device().gather_rows(set_->size(), w, set_->rows(), t.data(), out);
  users_.gather(t.users(), w, out);
  items_.gather(t.items(), w, out + users_.size() * w);
}

void BatchRowGather::scatter_add(const float* rows, const NodeRows& t) const {
  const int64_t w = t.width();
  if (!ctx_.sharded) return ctx_.device().scatter_add_rows(set_->size(), w, set_->rows(), rows, t.data());
  users_.scatter_add(rows, w, t.users());
  items_.scatter_add(rows + users_.size() * w, w, t.items());
}

TripleBatch BatchRowGather::batch_as_rows(const TripleBatch& batch) {
  if (!ctx_.sharded) throw Error("BatchRowGather::batch_as_rows: for a run split over processes");
  std::unordered_map<int32_t, int32_t> position;  // a global row -> its place among the set's rows
  for (size_t j = 0; j < rows_.size(); ++j)
    if (rows_[j] >= 0) position.emplace(rows_[j], static_cast<int32_t>(j));
  const auto b = static_cast<size_t>(batch.size);
  std::vector<int32_t> ids = triples_on_host(ctx_.device(), batch);
  const auto first_item = static_cast<int32_t>(ctx_.nodes->part(NodeKind::kUser).global_count);
  for (size_t t = 0; t < 3 * b; ++t) ids[t] = position.at(t < b ? ids[t] : first_item + ids[t]);
  ids_ = Buffer<int32_t>::from_host(ctx_.device(), ids, "batch as rows");
  TripleBatch out = batch;
  out.users = ids_.data();
  out.pos = ids_.data() + b;
  out.neg = ids_.data() + 2 * b;
  return out;
}

}  // namespace mmgraph::detail
