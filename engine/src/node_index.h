#pragma once
// Which users and items this process holds, and where their rows lie in a node table.
// Each node kind (users, items) is owned as one contiguous block of global ids; a process
// may also keep copies of rows owned elsewhere (its halo). A table's local rows are the owned
// rows of the kinds it holds (users, then items), then their halo rows in the same order; with
// one process every node is owned, there is no halo, and a [users; items] table has exactly
// the row order of the normalised adjacency Â.
#include <cstdint>
#include <vector>

#include "engine/src/params.h"

namespace mmgraph::detail {

enum class NodeKind { kUser, kItem };

// The kinds of node a table holds.
enum class NodeSet { kUsers, kItems, kUsersAndItems };

// One node kind on this process.
struct NodeRange {
  int64_t global_count = 0;    // nodes of this kind over all processes
  RowRange owned;              // the global ids owned here
  std::vector<int64_t> halo;   // global ids owned elsewhere and kept here, ascending
};

class NodeIndex {
 public:
  // Checks that the owned blocks and halos lie inside [0, global_count), that halo ids are
  // ascending and outside the owned block (Error otherwise).
  NodeIndex(NodeRange users, NodeRange items);
  // One process: every user and item owned, no halo.
  static NodeIndex single_process(int64_t n_users, int64_t n_items);

  const NodeRange& part(NodeKind kind) const { return kind == NodeKind::kUser ? users_ : items_; }
  // Owned and halo rows of `kind` on this process.
  int64_t owned(NodeKind kind) const { return part(kind).owned.count; }
  int64_t halo(NodeKind kind) const { return static_cast<int64_t>(part(kind).halo.size()); }
  // Whether a table of `set` holds rows of `kind`.
  static bool holds(NodeSet set, NodeKind kind);

  // Local rows of a table of `set`: the owned rows, plus the halo rows with_halo.
  int64_t rows(NodeSet set, bool with_halo) const;
  // The first local row of `kind`'s owned rows in a table of `set`.
  int64_t first_row(NodeSet set, NodeKind kind) const;
  // The first local row of `kind`'s halo rows in a table of `set` that has halo rows.
  int64_t first_halo_row(NodeSet set, NodeKind kind) const;

  // A kind's local ids: 0 .. owned - 1 for its owned nodes (global id order), then its halo
  // in halo order. local_id is -1 for a node neither owned nor in the halo.
  int64_t local_id(NodeKind kind, int64_t global) const;
  int64_t global_id(NodeKind kind, int64_t local) const;
  // The local row of a kind's local id in a table of `set` (with halo rows for halo ids).
  int64_t row(NodeSet set, NodeKind kind, int64_t local) const;

  // The placement of a parameter table of `set` with `width` columns: row-sharded, with the
  // global shape over all processes and the global rows held here (users before items).
  ParamPlacement placement(NodeSet set, int64_t width) const;

 private:
  NodeRange users_, items_;
};

}  // namespace mmgraph::detail
