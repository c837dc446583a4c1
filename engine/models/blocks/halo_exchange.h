#pragma once
// The halo exchange of a [users; items] node table over the processes of a run: each process
// sends the owned rows the others' rows of Â reference and receives its halo rows from their
// owners (two all-to-all-v collectives a call, users then items, each landing in its halo
// rows in halo order). The bytes it sends are counted in Resources::traffic().halo.
#include <cstdint>

#include "engine/models/blocks/node_table.h"
#include "engine/src/resources.h"
#include "engine/src/shard_layout.h"

namespace mmgraph::detail {

class HaloExchange {
 public:
  HaloExchange() = default;
  // nodes: the index of the tables it exchanges (graph.nodes or a copy).
  HaloExchange(const Resources& resources, const ShardedGraph& graph, const NodeIndex& nodes);

  // Fills t's halo rows from their owners' rows of t (a [users; items] table with halo rows).
  void exchange(const NodeRows& t) const;

 private:
  struct Kind {
    NodeKind kind = NodeKind::kUser;
    Buffer<int32_t> send_rows;  // local rows of a with-halo table, grouped by destination
    std::vector<int64_t> send_counts, recv_counts;
    int64_t n_send = 0;
  };
  void exchange(const Kind& k, const NodeRows& t) const;

  const Resources* resources_ = nullptr;
  const NodeIndex* nodes_ = nullptr;
  Kind users_, items_;
  mutable Buffer<float> send_;  // packed rows, grown to the widest exchange
};

}  // namespace mmgraph::detail
