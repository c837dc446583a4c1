#pragma once
// How the users and items of a run are split over its processes: each kind in contiguous blocks
// of global ids, block r owned by rank r. From the layout and the normalised adjacency Â (users
// then items, every row) each process derives, with no communication, its NodeIndex (its blocks
// and the halo rows its rows of Â reference), its rows of Â renumbered to local rows, and the
// halo plan: which of its rows every other process needs, and what it receives from each.
#include <cstdint>
#include <vector>

#include "engine/src/node_index.h"
#include "kernels/common.h"

namespace mmgraph::detail {

struct ShardLayout {
  int rank = 0;
  int size = 1;
  std::vector<int64_t> user_bounds, item_bounds;  // size + 1 each: rank r owns [bounds[r], bounds[r + 1])

  const std::vector<int64_t>& bounds(NodeKind kind) const { return kind == NodeKind::kUser ? user_bounds : item_bounds; }
  // The rank that owns a node.
  int owner(NodeKind kind, int64_t global) const;
  // The global ids rank r owns.
  RowRange owned(NodeKind kind, int r) const;
};

// Checks a layout against the run (bounds ascending from 0 to the counts, one block per rank).
void check_layout(const ShardLayout& layout, int64_t n_users, int64_t n_items);

// What one exchange of a kind's halo rows moves: this process's owned rows that rank q needs
// (local ids, grouped by q ascending, ascending within), and the rows it receives from each rank,
// which arrive in rank order and fill its halo of that kind in halo order.
struct HaloTransfer {
  std::vector<int32_t> send_local;
  std::vector<int64_t> send_counts, recv_counts;  // rows, one entry per rank
};

struct ShardedGraph {
  NodeIndex nodes;
  kernels::CsrHost local_adjacency;  // the owned rows of Â, columns = local rows of a [users; items] table with halo
  HaloTransfer users, items;
};

// The process's part of Â under the layout. Â's entries keep their order within each row.
ShardedGraph shard_graph(const ShardLayout& layout, const kernels::CsrHost& adjacency, int64_t n_users,
                         int64_t n_items);

// The owned rows (users, then items) of a graph over [users; items] with Â's shape whose columns
// all lie among `nodes`' owned and halo rows (a subgraph of Â, such as FREEDOM's pruned Â), its
// columns renumbered to local rows of a [users; items] table with halo, as shard_graph renumbers
// Â's. Error naming the first column outside them.
kernels::CsrHost owned_rows_of(const ShardLayout& layout, const NodeIndex& nodes, const kernels::CsrHost& graph);

// The process's part of an item-item graph S [items x items] (every row): its NodeIndex (users
// owned with no halo; items owned plus the items its rows of S reference), its rows of S with
// columns renumbered to local rows of an item table with halo, and the plan of the items' halo.
struct ShardedItemGraph {
  NodeIndex nodes;
  kernels::CsrHost local;
  HaloTransfer items;
};
ShardedItemGraph shard_item_graph(const ShardLayout& layout, const kernels::CsrHost& s, int64_t n_users);

}  // namespace mmgraph::detail
