// A batch's rows gathered over processes (see batch_gather.h).
#include "engine/models/blocks/batch_gather.h"

#include <algorithm>

namespace mmgraph::detail {

std::vector<int32_t> triples_on_host(Device& dev, const TripleBatch& batch) {
  const auto b = static_cast<size_t>(batch.size);
  std::vector<int32_t> ids(3 * b);
  if (b) {
    dev.download(ids.data(), batch.users, b * sizeof(int32_t));
    dev.download(ids.data() + b, batch.pos, b * sizeof(int32_t));
    dev.download(ids.data() + 2 * b, batch.neg, b * sizeof(int32_t));
  }
  return ids;
}

BatchGather::BatchGather(const ModelContext& ctx) : ctx_(ctx) {}

void BatchGather::build(const TripleBatch& batch) {
  Device& dev = ctx_.device();
  const ShardLayout& layout = *ctx_.layout;
  const NodeIndex& nodes = *ctx_.nodes;
  const auto b = static_cast<size_t>(batch.size);
  std::vector<int32_t> ids = triples_on_host(dev, batch);
  // The batch's distinct users and items, ascending.
  std::vector<int32_t> users(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(b));
  std::vector<int32_t> items(ids.begin() + static_cast<std::ptrdiff_t>(b), ids.end());
  for (auto* v : {&users, &items}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  // Compact rows: rank by rank, its users then its items.
  std::vector<int32_t> user_row(users.size()), item_row(items.size());
  std::vector<int32_t> mine;
  rank_rows_.assign(static_cast<size_t>(layout.size), 0);
  int64_t next = 0;
  size_t u = 0, i = 0;
  for (int r = 0; r < layout.size; ++r) {
    const int64_t first = next;
    const RowRange ou = layout.owned(NodeKind::kUser, r), oi = layout.owned(NodeKind::kItem, r);
    for (; u < users.size() && users[u] < ou.first + ou.count; ++u) {
      user_row[u] = static_cast<int32_t>(next++);
      if (r == layout.rank)
        mine.push_back(static_cast<int32_t>(nodes.row(NodeSet::kUsersAndItems, NodeKind::kUser, users[u] - ou.first)));
    }
    for (; i < items.size() && items[i] < oi.first + oi.count; ++i) {
      item_row[i] = static_cast<int32_t>(next++);
      if (r == layout.rank)
        mine.push_back(static_cast<int32_t>(nodes.row(NodeSet::kUsersAndItems, NodeKind::kItem, items[i] - oi.first)));
    }
    rank_rows_[static_cast<size_t>(r)] = next - first;
    if (r == layout.rank) my_first_ = first;
  }
  rows_ = next;
  auto compact = [](const std::vector<int32_t>& sorted, const std::vector<int32_t>& row, int32_t id) {
    return row[static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin())];
  };
  for (size_t k = 0; k < b; ++k) ids[k] = compact(users, user_row, ids[k]);
  for (size_t k = b; k < 3 * b; ++k) ids[k] = compact(items, item_row, ids[k]);
  ids_ = Buffer<int32_t>::from_host(dev, ids, "compact batch");
  my_rows_ = Buffer<int32_t>::from_host(dev, mine, "compact batch rows");
  batch_ = batch;
}

TripleBatch BatchGather::compact_batch() const {
  TripleBatch c = batch_;
  c.users = ids_.data();
  c.pos = ids_.data() + batch_.size;
  c.neg = ids_.data() + 2 * batch_.size;
  return c;
}

void BatchGather::gather(const NodeRows& t, float* compact) const {
  Device& dev = ctx_.device();
  const int64_t d = t.width(), n = static_cast<int64_t>(my_rows_.size());
  if (send_.size() < static_cast<size_t>(n * d)) send_ = Buffer<float>(dev, static_cast<size_t>(n * d), "batch rows");
  if (n) dev.gather_rows(n, d, my_rows_.data(), t.data(), send_.data());
  std::vector<int64_t> counts(rank_rows_);
  for (int64_t& c : counts) c *= d;
  ctx_.resources->comm().all_gather_v(send_.data(), compact, counts);
  ctx_.resources->traffic().batch += n * d * static_cast<int64_t>(sizeof(float)) * (ctx_.layout->size - 1);
}

void BatchGather::scatter_add(const float* compact, const NodeRows& t) const {
  const int64_t n = static_cast<int64_t>(my_rows_.size());
  if (n) ctx_.device().scatter_add_rows(n, t.width(), my_rows_.data(), compact + my_first_ * t.width(), t.data());
}

}  // namespace mmgraph::detail
