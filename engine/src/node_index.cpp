// Node ids and table rows of this process (see node_index.h).
#include "engine/src/node_index.h"

#include <algorithm>
#include <string>
#include <utility>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// Throws unless a kind's owned block and halo lie inside its global ids, the halo ascending
// and outside the owned block.
void check_range(const NodeRange& r, const char* kind) {
  const RowRange& o = r.owned;
  bool ok = r.global_count >= 0 && o.first >= 0 && o.count >= 0 && o.first + o.count <= r.global_count;
  for (size_t k = 0; ok && k < r.halo.size(); ++k) {
    const int64_t g = r.halo[k];
    ok = g >= 0 && g < r.global_count && (g < o.first || g >= o.first + o.count) && (k == 0 || r.halo[k - 1] < g);
  }
  if (!ok) throw Error(std::string("node index: the ") + kind + " rows of this process are not a valid block and halo");
}

}  // namespace

NodeIndex::NodeIndex(NodeRange users, NodeRange items) : users_(std::move(users)), items_(std::move(items)) {
  check_range(users_, "user");
  check_range(items_, "item");
}

NodeIndex NodeIndex::single_process(int64_t n_users, int64_t n_items) {
  return NodeIndex(NodeRange{n_users, {0, n_users}, {}}, NodeRange{n_items, {0, n_items}, {}});
}

bool NodeIndex::holds(NodeSet set, NodeKind kind) {
  return set == NodeSet::kUsersAndItems || (set == NodeSet::kUsers) == (kind == NodeKind::kUser);
}

int64_t NodeIndex::rows(NodeSet set, bool with_halo) const {
  int64_t n = 0;
  for (NodeKind kind : {NodeKind::kUser, NodeKind::kItem})
    if (holds(set, kind)) n += owned(kind) + (with_halo ? halo(kind) : 0);
  return n;
}

int64_t NodeIndex::first_row(NodeSet set, NodeKind kind) const {
  if (!holds(set, kind)) throw Error("node index: the table holds no rows of this kind");
  return kind == NodeKind::kItem && holds(set, NodeKind::kUser) ? owned(NodeKind::kUser) : 0;
}

int64_t NodeIndex::first_halo_row(NodeSet set, NodeKind kind) const {
  if (!holds(set, kind)) throw Error("node index: the table holds no rows of this kind");
  return rows(set, false) + (kind == NodeKind::kItem && holds(set, NodeKind::kUser) ? halo(NodeKind::kUser) : 0);
}

int64_t NodeIndex::local_id(NodeKind kind, int64_t global) const {
  const NodeRange& r = part(kind);
  if (global >= r.owned.first && global < r.owned.first + r.owned.count) return global - r.owned.first;
  const auto it = std::lower_bound(r.halo.begin(), r.halo.end(), global);
  if (it == r.halo.end() || *it != global) return -1;
  return r.owned.count + (it - r.halo.begin());
}

int64_t NodeIndex::global_id(NodeKind kind, int64_t local) const {
  const NodeRange& r = part(kind);
  if (local < 0 || local >= r.owned.count + halo(kind)) throw Error("node index: local id out of range");
  return local < r.owned.count ? r.owned.first + local : r.halo[static_cast<size_t>(local - r.owned.count)];
}

int64_t NodeIndex::row(NodeSet set, NodeKind kind, int64_t local) const {
  const int64_t n = owned(kind);
  if (local < 0 || local >= n + halo(kind)) throw Error("node index: local id out of range");
  return local < n ? first_row(set, kind) + local : first_halo_row(set, kind) + (local - n);
}

ParamPlacement NodeIndex::placement(NodeSet set, int64_t width) const {
  int64_t global_rows = 0;
  std::vector<RowRange> held;
  for (NodeKind kind : {NodeKind::kUser, NodeKind::kItem}) {
    if (!holds(set, kind)) continue;
    const NodeRange& r = part(kind);
    held.push_back({global_rows + r.owned.first, r.owned.count});  // a kind's global rows follow the kinds before it
    global_rows += r.global_count;
  }
  return ParamPlacement::sharded({global_rows, width}, std::move(held));
}

}  // namespace mmgraph::detail
