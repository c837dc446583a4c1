// Rows of a row-sharded table at a list of ids, from their owners (see owner_gather.h).
#include "engine/models/blocks/owner_gather.h"

#include <algorithm>

namespace mmgraph::detail {

void OwnerGather::plan(const std::vector<int32_t>& ids) {
  Device& dev = ctx_.device();
  n_ = static_cast<int64_t>(ids.size());
  if (!ctx_.layout) {  // one process: every id is a local row
    mine_local_ = Buffer<int32_t>::from_host(dev, ids, "owner gather rows");
    return;
  }
  const ShardLayout& layout = *ctx_.layout;
  // The list's ids grouped by owner (ascending rank, list order within): the order they arrive in.
  // An id -1 (a padded batch row) has no owner: it gathers as row -1 (zeros) and scatters nowhere.
  std::vector<int32_t> by_rank;
  for (size_t j = 0; j < ids.size(); ++j)
    if (ids[j] >= 0) by_rank.push_back(static_cast<int32_t>(j));
  std::stable_sort(by_rank.begin(), by_rank.end(), [&](int32_t a, int32_t b) {
    return layout.owner(kind_, ids[static_cast<size_t>(a)]) < layout.owner(kind_, ids[static_cast<size_t>(b)]);
  });
  rank_rows_.assign(static_cast<size_t>(layout.size), 0);
  std::vector<int32_t> from_ranks(ids.size(), -1), local, position;
  const int64_t first = layout.owned(kind_, layout.rank).first;
  for (size_t j = 0; j < by_rank.size(); ++j) {
    const int32_t pos = by_rank[j];
    const int owner = layout.owner(kind_, ids[static_cast<size_t>(pos)]);
    ++rank_rows_[static_cast<size_t>(owner)];
    from_ranks[static_cast<size_t>(pos)] = static_cast<int32_t>(j);
    if (owner == layout.rank) {
      local.push_back(static_cast<int32_t>(ids[static_cast<size_t>(pos)] - first));
      position.push_back(pos);
    }
  }
  mine_local_ = Buffer<int32_t>::from_host(dev, local, "owner gather rows");
  mine_position_ = Buffer<int32_t>::from_host(dev, position, "owner gather rows");
  list_from_ranks_ = Buffer<int32_t>::from_host(dev, from_ranks, "owner gather rows");
}

void OwnerGather::gather(const float* owned, int64_t width, float* out) const {
  Device& dev = ctx_.device();
  if (!ctx_.layout) {
    if (n_) dev.gather_rows(n_, width, mine_local_.data(), owned, out);
    return;
  }
  const auto mine = static_cast<int64_t>(mine_local_.size());
  if (send_.size() < static_cast<size_t>(mine * width)) send_ = Buffer<float>(dev, static_cast<size_t>(mine * width), "owner gather");
  if (received_.size() < static_cast<size_t>(n_ * width))
    received_ = Buffer<float>(dev, static_cast<size_t>(n_ * width), "owner gather");
  if (mine) dev.gather_rows(mine, width, mine_local_.data(), owned, send_.data());
  std::vector<int64_t> counts(rank_rows_);
  for (int64_t& c : counts) c *= width;
  ctx_.resources->comm().all_gather_v(send_.data(), received_.data(), counts);
  ctx_.resources->traffic().batch += mine * width * static_cast<int64_t>(sizeof(float)) * (ctx_.layout->size - 1);
  if (n_) dev.gather_rows(n_, width, list_from_ranks_.data(), received_.data(), out);
}

void OwnerGather::scatter_add(const float* rows, int64_t width, float* owned) const {
  Device& dev = ctx_.device();
  const auto mine = static_cast<int64_t>(mine_local_.size());
  if (!mine) return;
  if (!ctx_.layout) return dev.scatter_add_rows(n_, width, mine_local_.data(), rows, owned);
  if (send_.size() < static_cast<size_t>(mine * width)) send_ = Buffer<float>(dev, static_cast<size_t>(mine * width), "owner gather");
  dev.gather_rows(mine, width, mine_position_.data(), rows, send_.data());
  dev.scatter_add_rows(mine, width, mine_local_.data(), send_.data(), owned);
}

}  // namespace mmgraph::detail
