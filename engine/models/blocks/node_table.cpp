// Node tables (see node_table.h).
#include "engine/models/blocks/node_table.h"

#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// The row width of a parameter that is a [rows x width] node table of `set` (Error otherwise).
int64_t node_table_width(const Param& p, const NodeIndex& index, NodeSet set) {
  if (p.shape.size() != 2 || p.shape[0] != index.rows(set, false))
    throw Error("parameter " + p.name + " is not a node table of this process's rows");
  return p.shape[1];
}

}  // namespace

float* NodeRows::halo(NodeKind kind) const {
  if (!with_halo_) throw Error("node table: the table has no halo rows");
  return data_ + index_->first_halo_row(set_, kind) * width_;
}

NodeTable::NodeTable(Device& dev, const NodeIndex& index, NodeSet set, int64_t width, const char* what,
                     bool with_halo)
    : buffer_(dev, static_cast<size_t>(index.rows(set, with_halo) * width), what),
      rows_(buffer_.data(), index, set, width, with_halo) {}

std::vector<float> held_rows(std::vector<float> global, const NodeIndex& index, NodeSet set, int64_t width) {
  int64_t global_rows = 0;
  bool whole = true;
  for (NodeKind kind : {NodeKind::kUser, NodeKind::kItem})
    if (NodeIndex::holds(set, kind)) {
      global_rows += index.part(kind).global_count;
      whole = whole && index.owned(kind) == index.part(kind).global_count;
    }
  if (static_cast<int64_t>(global.size()) != global_rows * width)
    throw Error("node table: the values given are not a whole table");
  if (whole) return global;
  std::vector<float> held;
  held.reserve(static_cast<size_t>(index.rows(set, false) * width));
  int64_t kind_first = 0;  // the kind's first global row in the whole table
  for (NodeKind kind : {NodeKind::kUser, NodeKind::kItem}) {
    if (!NodeIndex::holds(set, kind)) continue;
    const RowRange& owned = index.part(kind).owned;
    const auto from = global.begin() + (kind_first + owned.first) * width;
    held.insert(held.end(), from, from + owned.count * width);
    kind_first += index.part(kind).global_count;
  }
  return held;
}

NodeRows value_rows(const Param& p, const NodeIndex& index, NodeSet set) {
  return NodeRows(p.value.data(), index, set, node_table_width(p, index, set));
}

NodeRows grad_rows(const Param& p, const NodeIndex& index, NodeSet set) {
  return NodeRows(p.grad.data(), index, set, node_table_width(p, index, set));
}

}  // namespace mmgraph::detail
