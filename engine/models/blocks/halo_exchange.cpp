// The halo exchange of node tables (see halo_exchange.h).
#include "engine/models/blocks/halo_exchange.h"

#include <algorithm>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

HaloExchange::HaloExchange(const Resources& resources, const ShardedGraph& graph, const NodeIndex& nodes)
    : resources_(&resources), nodes_(&nodes), set_(NodeSet::kUsersAndItems) {
  users_ = kind_of(NodeKind::kUser, graph.users);
  items_ = kind_of(NodeKind::kItem, graph.items);
}

HaloExchange::HaloExchange(const Resources& resources, const ShardedItemGraph& graph)
    : resources_(&resources), nodes_(&graph.nodes), set_(NodeSet::kItems) {
  items_ = kind_of(NodeKind::kItem, graph.items);
}

HaloExchange::Kind HaloExchange::kind_of(NodeKind which, const HaloTransfer& t) const {
  Kind k;
  k.kind = which;
  std::vector<int32_t> rows(t.send_local.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int32_t>(nodes_->row(set_, which, t.send_local[i]));
  k.send_rows = Buffer<int32_t>::from_host(resources_->device(), rows, "halo send rows");
  k.send_counts = t.send_counts;
  k.recv_counts = t.recv_counts;
  k.n_send = static_cast<int64_t>(rows.size());
  return k;
}

void HaloExchange::exchange(const NodeRows& t) const {
  if (&t.index() != nodes_ || t.set() != set_ || !t.with_halo())
    throw Error("halo exchange: expected a table of this process's rows of the exchange's nodes, with halo rows");
  if (NodeIndex::holds(set_, NodeKind::kUser)) exchange(users_, t);
  exchange(items_, t);
}

void HaloExchange::exchange(const Kind& k, const NodeRows& t) const {
  Device& dev = resources_->device();
  const int64_t d = t.width();
  const size_t need = static_cast<size_t>(k.n_send * d);
  if (send_.size() < need) send_ = Buffer<float>(dev, need, "halo send buffer");
  if (k.n_send) dev.gather_rows(k.n_send, d, k.send_rows.data(), t.data(), send_.data());
  std::vector<int64_t> send_counts(k.send_counts), recv_counts(k.recv_counts);
  for (int64_t& c : send_counts) c *= d;
  for (int64_t& c : recv_counts) c *= d;
  float* halo = nodes_->halo(k.kind) ? t.halo(k.kind) : t.data();
  resources_->comm().all_to_all_v(send_.data(), send_counts, halo, recv_counts);
  resources_->traffic().halo += static_cast<int64_t>(need * sizeof(float));
}

}  // namespace mmgraph::detail
