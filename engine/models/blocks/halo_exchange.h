#pragma once
// The halo exchange of a node table over the processes of a run: each process sends the owned
// rows the others' rows of a graph (Â, or an item-item graph) reference and receives its halo
// rows from their owners (one all-to-all-v collective a kind the table holds, users then items,
// each landing in its halo rows in halo order). The bytes it sends are counted in
// Resources::traffic().halo.
#include <cstdint>

#include "engine/models/blocks/node_table.h"
#include "engine/src/resources.h"
#include "engine/src/shard_layout.h"

namespace mmgraph::detail {

class HaloExchange {
 public:
  HaloExchange() = default;
  // [users; items] tables of Â's halo. nodes: the index of the tables it exchanges (graph.nodes or a copy).
  HaloExchange(const Resources& resources, const ShardedGraph& graph, const NodeIndex& nodes);
  // Item tables of an item-item graph's halo (graph.nodes is the index of the tables; it must outlive this).
  HaloExchange(const Resources& resources, const ShardedItemGraph& graph);

  // Fills t's halo rows from their owners' rows of t (a table of the exchange's set, with halo rows).
  void exchange(const NodeRows& t) const;

 private:
  struct Kind {
    NodeKind kind = NodeKind::kUser;
    Buffer<int32_t> send_rows;  // local rows of a with-halo table, grouped by destination
    std::vector<int64_t> send_counts, recv_counts;
    int64_t n_send = 0;
  };
  void exchange(const Kind& k, const NodeRows& t) const;
  Kind kind_of(NodeKind which, const HaloTransfer& t) const;

  const Resources* resources_ = nullptr;
  const NodeIndex* nodes_ = nullptr;
  NodeSet set_ = NodeSet::kUsersAndItems;
  Kind users_, items_;  // users_ unused for an item table
  mutable Buffer<float> send_;  // packed rows, grown to the widest exchange
};

}  // namespace mmgraph::detail
