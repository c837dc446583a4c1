// The split of users and items over processes (see shard_layout.h).
#include "engine/src/shard_layout.h"

#include <algorithm>
#include <string>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

int ShardLayout::owner(NodeKind kind, int64_t global) const {
  const std::vector<int64_t>& b = bounds(kind);
  return static_cast<int>(std::upper_bound(b.begin(), b.end(), global) - b.begin()) - 1;
}

RowRange ShardLayout::owned(NodeKind kind, int r) const {
  const std::vector<int64_t>& b = bounds(kind);
  return RowRange{b[static_cast<size_t>(r)], b[static_cast<size_t>(r) + 1] - b[static_cast<size_t>(r)]};
}

void check_layout(const ShardLayout& layout, int64_t n_users, int64_t n_items) {
  if (layout.size < 1 || layout.rank < 0 || layout.rank >= layout.size)
    throw Error("shard layout: rank " + std::to_string(layout.rank) + " of " + std::to_string(layout.size));
  for (const NodeKind kind : {NodeKind::kUser, NodeKind::kItem}) {
    const std::vector<int64_t>& b = layout.bounds(kind);
    const int64_t n = kind == NodeKind::kUser ? n_users : n_items;
    const char* what = kind == NodeKind::kUser ? "user" : "item";
    if (static_cast<int64_t>(b.size()) != layout.size + 1 || b.front() != 0 || b.back() != n ||
        !std::is_sorted(b.begin(), b.end()))
      throw Error(std::string("shard layout: the ") + what + " blocks do not cover 0.." + std::to_string(n) +
                  " in " + std::to_string(layout.size) + " ascending blocks");
  }
}

namespace {

// A node of Â (users 0..U-1, then items) as (kind, global id of that kind).
struct Node {
  NodeKind kind;
  int64_t id;
};
Node node_of(int64_t row, int64_t n_users) {
  return row < n_users ? Node{NodeKind::kUser, row} : Node{NodeKind::kItem, row - n_users};
}

// halo[q] := the nodes of `kind` that rank q's rows of a reference and q does not own (ascending,
// distinct): one pass over a, whose row r is the node row_node(r) and column c the node col_node(c).
template <typename RowNode, typename ColNode>
std::vector<std::vector<int64_t>> halos_of_every_rank(const ShardLayout& layout, const kernels::CsrHost& a,
                                                      NodeKind kind, RowNode row_node, ColNode col_node) {
  std::vector<std::vector<int64_t>> halo(static_cast<size_t>(layout.size));
  for (int64_t r = 0; r < a.n_rows; ++r) {
    const Node row = row_node(r);
    const int q = layout.owner(row.kind, row.id);
    for (int64_t k = a.row_ptr[static_cast<size_t>(r)]; k < a.row_ptr[static_cast<size_t>(r) + 1]; ++k) {
      const Node col = col_node(a.col[static_cast<size_t>(k)]);
      if (col.kind == kind && layout.owner(kind, col.id) != q) halo[static_cast<size_t>(q)].push_back(col.id);
    }
  }
  for (auto& h : halo) {
    std::sort(h.begin(), h.end());
    h.erase(std::unique(h.begin(), h.end()), h.end());
  }
  return halo;
}

// What each rank needs of this one's rows of `kind` (halos[q]: rank q's halo), and what this one
// receives from each.
HaloTransfer transfer_of(const ShardLayout& layout, NodeKind kind, const std::vector<std::vector<int64_t>>& halos) {
  const int me = layout.rank;
  HaloTransfer t;
  t.send_counts.assign(static_cast<size_t>(layout.size), 0);
  t.recv_counts.assign(static_cast<size_t>(layout.size), 0);
  const RowRange own = layout.owned(kind, me);
  for (int q = 0; q < layout.size; ++q) {
    if (q == me) continue;
    for (const int64_t id : halos[static_cast<size_t>(q)]) {
      if (id < own.first || id >= own.first + own.count) continue;
      t.send_local.push_back(static_cast<int32_t>(id - own.first));
      ++t.send_counts[static_cast<size_t>(q)];
    }
  }
  for (const int64_t id : halos[static_cast<size_t>(me)]) ++t.recv_counts[static_cast<size_t>(layout.owner(kind, id))];
  return t;
}

NodeRange node_range(const ShardLayout& layout, NodeKind kind, int64_t count, std::vector<int64_t> halo) {
  NodeRange range;
  range.global_count = count;
  range.owned = layout.owned(kind, layout.rank);
  range.halo = std::move(halo);
  return range;
}

}  // namespace

ShardedGraph shard_graph(const ShardLayout& layout, const kernels::CsrHost& a, int64_t n_users, int64_t n_items) {
  check_layout(layout, n_users, n_items);
  if (a.n_rows != n_users + n_items || a.n_cols != a.n_rows)
    throw Error("shard_graph: the adjacency is not [users + items] square");
  const int me = layout.rank;
  auto node = [&](int64_t r) { return node_of(r, n_users); };
  const auto user_halos = halos_of_every_rank(layout, a, NodeKind::kUser, node, node);
  const auto item_halos = halos_of_every_rank(layout, a, NodeKind::kItem, node, node);
  ShardedGraph g{NodeIndex(node_range(layout, NodeKind::kUser, n_users, user_halos[static_cast<size_t>(me)]),
                           node_range(layout, NodeKind::kItem, n_items, item_halos[static_cast<size_t>(me)])),
                 {}, transfer_of(layout, NodeKind::kUser, user_halos), transfer_of(layout, NodeKind::kItem, item_halos)};
  g.local_adjacency = owned_rows_of(layout, g.nodes, a);
  return g;
}

kernels::CsrHost owned_rows_of(const ShardLayout& layout, const NodeIndex& nodes, const kernels::CsrHost& a) {
  const int64_t n_users = nodes.part(NodeKind::kUser).global_count;
  const NodeSet set = NodeSet::kUsersAndItems;
  if (a.n_rows != n_users + nodes.part(NodeKind::kItem).global_count || a.n_cols != a.n_rows)
    throw Error("owned_rows_of: the graph is not [users + items] square");
  kernels::CsrHost local;
  local.n_rows = nodes.rows(set, false);
  local.n_cols = nodes.rows(set, true);
  local.row_ptr.push_back(0);
  for (const NodeKind kind : {NodeKind::kUser, NodeKind::kItem}) {
    const RowRange own = layout.owned(kind, layout.rank);
    const int64_t first_row = (kind == NodeKind::kUser ? 0 : n_users) + own.first;
    for (int64_t r = first_row; r < first_row + own.count; ++r) {
      for (int64_t k = a.row_ptr[static_cast<size_t>(r)]; k < a.row_ptr[static_cast<size_t>(r) + 1]; ++k) {
        const Node col = node_of(a.col[static_cast<size_t>(k)], n_users);
        const int64_t local_id = nodes.local_id(col.kind, col.id);
        if (local_id < 0)
          throw Error("owned_rows_of: row " + std::to_string(r) + " references node " +
                      std::to_string(a.col[static_cast<size_t>(k)]) + ", neither owned nor in the halo");
        local.col.push_back(static_cast<int32_t>(nodes.row(set, col.kind, local_id)));
        local.val.push_back(a.val[static_cast<size_t>(k)]);
      }
      local.row_ptr.push_back(static_cast<int64_t>(local.col.size()));
    }
  }
  return local;
}

ShardedItemGraph shard_item_graph(const ShardLayout& layout, const kernels::CsrHost& s, int64_t n_users) {
  const int64_t n_items = layout.item_bounds.back();
  check_layout(layout, n_users, n_items);
  if (s.n_rows != n_items || s.n_cols != n_items) throw Error("shard_item_graph: the graph is not [items x items]");
  auto item = [](int64_t r) { return Node{NodeKind::kItem, r}; };
  const auto halos = halos_of_every_rank(layout, s, NodeKind::kItem, item, item);
  ShardedItemGraph g{NodeIndex(node_range(layout, NodeKind::kUser, n_users, {}),
                               node_range(layout, NodeKind::kItem, n_items, halos[static_cast<size_t>(layout.rank)])),
                     {}, transfer_of(layout, NodeKind::kItem, halos)};
  const RowRange own = layout.owned(NodeKind::kItem, layout.rank);
  kernels::CsrHost& local = g.local;
  local.n_rows = own.count;
  local.n_cols = g.nodes.rows(NodeSet::kItems, true);
  local.row_ptr.push_back(0);
  for (int64_t r = own.first; r < own.first + own.count; ++r) {
    for (int64_t k = s.row_ptr[static_cast<size_t>(r)]; k < s.row_ptr[static_cast<size_t>(r) + 1]; ++k) {
      const int64_t local_id = g.nodes.local_id(NodeKind::kItem, s.col[static_cast<size_t>(k)]);
      local.col.push_back(static_cast<int32_t>(g.nodes.row(NodeSet::kItems, NodeKind::kItem, local_id)));
      local.val.push_back(s.val[static_cast<size_t>(k)]);
    }
    local.row_ptr.push_back(static_cast<int64_t>(local.col.size()));
  }
  return g;
}

}  // namespace mmgraph::detail
