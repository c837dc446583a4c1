// The blocks of a partition by original id, and the halo of every rank's rows of Â.
#include <fmt/format.h>

#include "engine/src/partition.h"
#include "mmgraph/errors.h"

namespace mmgraph::detail {
namespace {

// The block of every original id of one kind: order maps new ids to original ids (identity
// when empty), block r holds new ids [bounds[r], bounds[r + 1]).
std::vector<int32_t> blocks_of_kind(const std::vector<int32_t>& order, const std::vector<int64_t>& bounds,
                                    int parts, int32_t n, const char* kind) {
  if (bounds.size() != static_cast<size_t>(parts) + 1 || bounds.front() != 0 || bounds.back() != n ||
      (!order.empty() && order.size() != static_cast<size_t>(n)))
    throw Error(fmt::format("partition: {} bounds or order do not cover {} {}", kind, n, kind));
  std::vector<int32_t> block(static_cast<size_t>(n), -1);
  for (int r = 0; r < parts; ++r)
    for (int64_t v = bounds[r]; v < bounds[r + 1]; ++v) {
      const int32_t original = order.empty() ? static_cast<int32_t>(v) : order[v];
      if (original < 0 || original >= n || block[original] != -1)
        throw Error(fmt::format("partition: the {} order is not a permutation (id {})", kind, original));
      block[original] = r;
    }
  return block;
}

}  // namespace

BlockOf block_of_nodes(const Partition& partition, int32_t n_users, int32_t n_items) {
  return {blocks_of_kind(partition.user_order, partition.user_bounds, partition.parts, n_users, "users"),
          blocks_of_kind(partition.item_order, partition.item_bounds, partition.parts, n_items, "items")};
}

std::vector<HaloStats> halo_stats(const InteractionCsr& train, int32_t n_users, int32_t n_items,
                                  const Partition& partition) {
  const BlockOf block = block_of_nodes(partition, n_users, n_items);
  const int parts = partition.parts;
  std::vector<HaloStats> stats(static_cast<size_t>(parts));
  // The users of every item (the item rows of Â).
  if (train.row_ptr.size() != static_cast<size_t>(n_users) + 1)
    throw Error(fmt::format("partition: the training CSR has {} row pointers for {} users", train.row_ptr.size(),
                            n_users));
  std::vector<int64_t> item_ptr(static_cast<size_t>(n_items) + 1, 0);
  for (int32_t i : train.col) {
    if (i < 0 || i >= n_items) throw Error(fmt::format("partition: item {} is outside [0, {})", i, n_items));
    ++item_ptr[i + 1];
  }
  for (int32_t i = 0; i < n_items; ++i) item_ptr[i + 1] += item_ptr[i];
  std::vector<int32_t> item_users(train.col.size());
  std::vector<int64_t> next(item_ptr.begin(), item_ptr.end() - 1);
  for (int32_t u = 0; u < n_users; ++u)
    for (int64_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) item_users[next[train.col[k]]++] = u;

  // A node is a halo row of rank q once however many of q's rows read it: seen[q] holds the
  // last node counted for q.
  std::vector<int64_t> seen(static_cast<size_t>(parts), -1);
  for (int32_t u = 0; u < n_users; ++u) {
    HaloStats& own = stats[block.user[u]];
    ++own.owned_users;
    for (int64_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) {
      ++own.owned_edges;
      const int32_t q = block.item[train.col[k]];
      if (q == block.user[u]) continue;
      ++own.remote_edges;
      if (seen[q] != u) {
        seen[q] = u;
        ++stats[q].halo_users;
      }
    }
  }
  std::fill(seen.begin(), seen.end(), -1);
  for (int32_t i = 0; i < n_items; ++i) {
    HaloStats& own = stats[block.item[i]];
    ++own.owned_items;
    for (int64_t k = item_ptr[i]; k < item_ptr[i + 1]; ++k) {
      ++own.owned_edges;
      const int32_t q = block.user[item_users[k]];
      if (q == block.item[i]) continue;
      ++own.remote_edges;
      if (seen[q] != i) {
        seen[q] = i;
        ++stats[q].halo_items;
      }
    }
  }
  return stats;
}

int64_t edge_cut(const std::vector<HaloStats>& stats) {
  int64_t remote = 0;
  for (const HaloStats& s : stats) remote += s.remote_edges;
  return remote / 2;  // each cut interaction is a non-zero of a user row and of an item row
}

int64_t halo_exchange_bytes(const std::vector<HaloStats>& stats, int64_t dim) {
  int64_t rows = 0;
  for (const HaloStats& s : stats) rows += s.halo_rows();
  return rows * dim * static_cast<int64_t>(sizeof(float));
}

int64_t all_gather_bytes(const std::vector<HaloStats>& stats, int64_t dim) {
  int64_t total = 0;
  for (const HaloStats& s : stats) total += s.owned_rows();
  int64_t rows = 0;
  for (const HaloStats& s : stats) rows += total - s.owned_rows();
  return rows * dim * static_cast<int64_t>(sizeof(float));
}

}  // namespace mmgraph::detail
